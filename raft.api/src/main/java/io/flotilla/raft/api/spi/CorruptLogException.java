package io.flotilla.raft.api.spi;

/**
 * A stored entry or state failed its integrity check. The store refuses to go on rather than skip it, because a gap or
 * a wrong entry in a Raft log breaks the protocol's guarantees.
 */
public final class CorruptLogException extends LogStoreException {

    private static final long serialVersionUID = 1L;

    private final String store;
    private final long index;

    /**
     * Creates the exception.
     *
     * @param store  where the store lives (a path) or its name
     * @param index  the log index of the damaged entry, or -1 for the persistent state or metadata
     * @param reason what is wrong, e.g. "checksum mismatch"
     */
    public CorruptLogException(String store, long index, String reason) {
        super("corrupt log store " + store + (index >= 0 ? " at index " + index : " (metadata)") + ": " + reason);
        this.store = store;
        this.index = index;
    }

    /** {@return where the damaged store lives} */
    public String store() {
        return store;
    }

    /** {@return the damaged index, or -1 for metadata} */
    public long index() {
        return index;
    }
}
