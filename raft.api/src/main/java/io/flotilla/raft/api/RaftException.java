package io.flotilla.raft.api;

/**
 * The base of every error the engine reports to an application. Unchecked, because the caller usually handles it far
 * from the call, in a future's completion.
 */
public class RaftException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong, for a person to read
     */
    public RaftException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what went wrong, for a person to read
     * @param cause   the underlying failure
     */
    public RaftException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Returns whether sending the same request again later may succeed (for example on another member, or once a
     * leader is elected). Requests that failed with a retryable error had no effect <em>or</em> an unknown one: only
     * idempotent requests should be retried blindly.
     *
     * @return true if a retry may succeed
     */
    public boolean isRetryable() {
        return false;
    }
}
