package io.flotilla.kv.backend;

/**
 * Changes to one or more tables that become visible together, or not at all, when committed: a crash never leaves
 * half of a batch. Not thread-safe; one batch is used by one thread.
 */
public interface WriteBatch extends AutoCloseable {

    /**
     * Sets a key's value.
     *
     * @param table the table
     * @param key   the key
     * @param value the value
     */
    void put(Table table, byte[] key, byte[] value);

    /**
     * Removes a key (nothing happens if it is absent).
     *
     * @param table the table
     * @param key   the key
     */
    void delete(Table table, byte[] key);

    /** {@return the number of changes in the batch} */
    int size();

    /**
     * Applies the batch atomically. With {@code durable}, it is on disk when this returns; without, it survives a
     * crash of the process but may be lost, as a suffix of the batches committed, when the machine loses power.
     *
     * @param durable whether to wait for the disk
     * @throws BackendException if the backend cannot write (a full disk among others); nothing of the batch is then
     *                          applied
     */
    void commit(boolean durable);

    /** Discards the batch if it was not committed. Idempotent. */
    @Override
    void close();
}
