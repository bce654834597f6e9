package io.flotilla.kv.backend.memory;

import io.flotilla.kv.backend.Cursor;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;

/** A cursor of the {@code memory} backend over one generation of a table's map, which nobody changes meanwhile. */
final class MemoryCursor implements Cursor {

    private final MemoryBackend owner;
    private final MemoryBackend.Generation generation;
    private final NavigableMap<byte[], byte[]> range;
    private Map.Entry<byte[], byte[]> current;
    private boolean closed;

    /**
     * Opens a cursor on a pinned generation, positioned at the first key of {@code [from, to)}. A cursor of a view
     * pins the generation too, so it keeps working if the view is closed first.
     */
    MemoryCursor(MemoryBackend owner, MemoryBackend.Generation generation, byte[] from, byte[] to) {
        this.owner = owner;
        this.generation = generation;
        if (to != null && MemoryBackend.ORDER.compare(from, to) >= 0) {
            range = Collections.emptyNavigableMap();
        } else {
            byte[] lo = from.clone();
            range = to == null ? generation.map.tailMap(lo, true) : generation.map.subMap(lo, true, to.clone(), false);
        }
        current = range.firstEntry();
    }

    @Override
    public boolean valid() {
        ensureOpen();
        return current != null;
    }

    @Override
    public void next() {
        ensureOpen();
        if (current != null) {
            current = range.higherEntry(current.getKey());
        }
    }

    @Override
    public void seek(byte[] key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        // A sub-map's ceiling of a key below its range is its first entry, of one above it null: the clamp.
        current = range.ceilingEntry(key);
    }

    @Override
    public byte[] key() {
        return entry().getKey().clone();
    }

    @Override
    public byte[] value() {
        return entry().getValue().clone();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            generation.unpin();
        }
    }

    private Map.Entry<byte[], byte[]> entry() {
        ensureOpen();
        if (current == null) {
            throw new IllegalStateException("the cursor is not on an entry");
        }
        return current;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the cursor is closed");
        }
        owner.ensureOpen();
    }
}
