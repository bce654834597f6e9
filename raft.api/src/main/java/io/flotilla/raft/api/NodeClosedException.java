package io.flotilla.raft.api;

/** The node has been closed, or is closing, and takes no more requests. Pending requests fail with it. */
public final class NodeClosedException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which node and why
     */
    public NodeClosedException(String message) {
        super(message);
    }
}
