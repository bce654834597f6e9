package io.flotilla.raft.api;

/**
 * The request did not finish in time (see {@link RaftOptions#requestTimeoutMillis()}). The outcome is unknown: a
 * timed-out proposal may still commit later.
 */
public final class RaftTimeoutException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what timed out and after how long
     */
    public RaftTimeoutException(String message) {
        super(message);
    }

    /** Always true: a later attempt may succeed, for example once a leader is elected. */
    @Override
    public boolean isRetryable() {
        return true;
    }
}
