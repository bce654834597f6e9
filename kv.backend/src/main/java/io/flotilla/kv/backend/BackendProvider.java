package io.flotilla.kv.backend;

/**
 * A backend implementation, found by {@link #name()} through {@link java.util.ServiceLoader}: a module declares
 * {@code provides io.flotilla.kv.backend.BackendProvider with ...}.
 */
public interface BackendProvider {

    /** {@return the name configurations use to pick this backend, e.g. {@code rocksdb}} */
    String name();

    /**
     * Opens (creating if needed) a backend in the context's directory.
     *
     * @param context the directory, tables and options
     * @return the open backend
     * @throws IllegalArgumentException for an unknown or invalid option
     * @throws CorruptBackendException  if the stored data is damaged (the message names the file)
     * @throws BackendException         if it cannot be opened for another reason (locked by another process, I/O)
     */
    Backend open(BackendContext context);
}
