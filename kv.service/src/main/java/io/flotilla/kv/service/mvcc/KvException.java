package io.flotilla.kv.service.mvcc;

/**
 * A request the store refuses, with the gRPC status code and the client-visible message. Thrown by the store's
 * request handling and turned into a failure result (in the log) or a gRPC status (at the API).
 */
public final class KvException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient StatusCode code;

    /**
     * Creates the exception.
     *
     * @param code    the gRPC status code
     * @param message the message clients see
     */
    public KvException(StatusCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** Returns the gRPC status code. */
    public StatusCode code() {
        return code;
    }
}
