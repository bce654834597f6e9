package io.flotilla.kv.backend;

/**
 * An ascending walk over a key range of one table. Not thread-safe; close it.
 *
 * <pre>{@code
 * try (Cursor c = reader.cursor(table, from, to)) {
 *     for (; c.valid(); c.next()) { use(c.key(), c.value()); }
 * }
 * }</pre>
 */
public interface Cursor extends AutoCloseable {

    /** {@return whether the cursor is on an entry of its range} */
    boolean valid();

    /** Moves to the next entry (the cursor may become invalid at the end of its range). */
    void next();

    /**
     * Moves to the first entry whose key is at or after {@code key} (clamped to the cursor's range).
     *
     * @param key where to go
     */
    void seek(byte[] key);

    /** {@return a copy of the current key; only while valid} */
    byte[] key();

    /** {@return a copy of the current value; only while valid} */
    byte[] value();

    /** Releases the cursor. Idempotent. */
    @Override
    void close();
}
