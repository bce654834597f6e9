package io.flotilla.kv.backend;

/** A backend could not do what was asked: an I/O error, a full disk, a locked directory. */
public class BackendException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean noSpace;

    /**
     * Creates an exception.
     *
     * @param message what failed, naming the file or directory
     * @param cause   the underlying error, or null
     */
    public BackendException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * Creates an exception that may say the disk is full.
     *
     * @param message what failed, naming the file or directory
     * @param cause   the underlying error, or null
     * @param noSpace whether the failure is a full disk (ENOSPC), which the KV service turns into a NOSPACE alarm
     */
    public BackendException(String message, Throwable cause, boolean noSpace) {
        super(message, cause);
        this.noSpace = noSpace;
    }

    /** {@return whether the failure was a full disk} */
    public boolean isNoSpace() {
        return noSpace;
    }
}
