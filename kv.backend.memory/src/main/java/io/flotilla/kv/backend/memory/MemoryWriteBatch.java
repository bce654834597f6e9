package io.flotilla.kv.backend.memory;

import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A batch of the {@code memory} backend: a list of copied changes, applied under the backend's write lock. */
final class MemoryWriteBatch implements WriteBatch {

    /** One put ({@code value != null}) or delete ({@code value == null}). */
    record Change(MemoryTable table, byte[] key, byte[] value) {
    }

    private final MemoryBackend owner;
    private final List<Change> changes = new ArrayList<>();
    private boolean done;

    MemoryWriteBatch(MemoryBackend owner) {
        this.owner = owner;
    }

    @Override
    public void put(Table table, byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        ensureUsable();
        changes.add(new Change(owner.own(table), key.clone(), value.clone()));
    }

    @Override
    public void delete(Table table, byte[] key) {
        Objects.requireNonNull(key, "key");
        ensureUsable();
        changes.add(new Change(owner.own(table), key.clone(), null));
    }

    @Override
    public int size() {
        return changes.size();
    }

    @Override
    public void commit(boolean durable) {
        ensureUsable();
        owner.apply(changes);
        done = true;
        changes.clear();
    }

    @Override
    public void close() {
        done = true;
        changes.clear();
    }

    private void ensureUsable() {
        owner.ensureOpen();
        if (done) {
            throw new IllegalStateException("the batch was already committed or closed");
        }
    }
}
