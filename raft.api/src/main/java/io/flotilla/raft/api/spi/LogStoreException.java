package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.RaftException;

/** A log store could not do what it was asked, usually because of an I/O failure. */
public class LogStoreException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which store, which operation, what failed
     */
    public LogStoreException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message which store, which operation, what failed
     * @param cause   the underlying failure
     */
    public LogStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
