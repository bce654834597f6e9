package io.flotilla.raft.core.protocol;

/**
 * Read-only access to this member's newest durable snapshot, in its serialized form ({@link SnapshotFormat}), so a
 * leader can stream it to a follower in chunks (Raft §7). The runtime backs it with snapshot files; the simulation
 * with memory.
 */
public interface SnapshotSource {

    /** A source with no snapshot. */
    SnapshotSource NONE = new SnapshotSource() {
        @Override
        public SnapshotFormat.Header latest() {
            return null;
        }

        @Override
        public byte[] read(long index, long offset, int maxBytes) {
            return null;
        }
    };

    /**
     * Returns the newest snapshot's header, or null if there is none.
     *
     * @return the header
     */
    SnapshotFormat.Header latest();

    /**
     * Reads part of the serialized snapshot covering {@code index}.
     *
     * @param index    which snapshot (its last included index)
     * @param offset   byte offset into its serialized form
     * @param maxBytes most bytes to return
     * @return the bytes (empty at the end), or null if that snapshot no longer exists
     */
    byte[] read(long index, long offset, int maxBytes);

    /**
     * Asks for a snapshot at or beyond {@code atLeast}: the newest one ({@link #latest()}) is older than the log's
     * start, as when a state machine that keeps its own state on disk compacts the log behind a checkpoint and writes
     * full snapshots only on demand ({@code StateMachine#persistApplied()}). The source makes one in the background
     * and offers it through {@link #latest()}; until then the protocol sends none and asks again at the next
     * heartbeat. The default does nothing, for sources whose newest snapshot always covers the log.
     *
     * @param atLeast the index the snapshot must reach
     */
    default void request(long atLeast) {
    }
}
