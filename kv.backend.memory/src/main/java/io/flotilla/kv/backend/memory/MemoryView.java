package io.flotilla.kv.backend.memory;

import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/** A view of the {@code memory} backend: the generation of every table's map at the moment it was taken. */
final class MemoryView implements BackendView {

    private final MemoryBackend owner;
    private final Map<MemoryTable, MemoryBackend.Generation> pinned;
    private final AtomicBoolean closed = new AtomicBoolean();

    MemoryView(MemoryBackend owner, Map<MemoryTable, MemoryBackend.Generation> pinned) {
        this.owner = owner;
        this.pinned = pinned;
    }

    @Override
    public byte[] get(Table table, byte[] key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        byte[] value = generation(table).map.get(key);
        return value == null ? null : value.clone();
    }

    @Override
    public Cursor cursor(Table table, byte[] from, byte[] to) {
        Objects.requireNonNull(from, "from");
        ensureOpen();
        return new MemoryCursor(owner, generation(table).pin(), from, to);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            pinned.values().forEach(MemoryBackend.Generation::unpin);
        }
    }

    private MemoryBackend.Generation generation(Table table) {
        return pinned.get(owner.own(table));
    }

    /** @throws IllegalStateException once the view or its backend is closed */
    private void ensureOpen() {
        owner.ensureOpen();
        if (closed.get()) {
            throw new IllegalStateException("the view is closed");
        }
    }
}
