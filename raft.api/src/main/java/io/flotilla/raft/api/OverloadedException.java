package io.flotilla.raft.api;

/**
 * The node's bounded request queue is full (see {@link RaftOptions#maxPendingRequests()}): the request was refused
 * without any effect. Back off and retry.
 */
public final class OverloadedException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which queue is full and its capacity
     */
    public OverloadedException(String message) {
        super(message);
    }

    /** Always true: the request had no effect and may be sent again once the load drops. */
    @Override
    public boolean isRetryable() {
        return true;
    }
}
