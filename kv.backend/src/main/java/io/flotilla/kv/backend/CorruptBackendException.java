package io.flotilla.kv.backend;

/** The stored data of a backend is damaged; the message names the file. Nothing is repaired silently. */
public class CorruptBackendException extends BackendException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what is damaged, naming the file
     * @param cause   the underlying error, or null
     */
    public CorruptBackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
