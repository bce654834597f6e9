package io.flotilla.kv.backend.memory;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The {@code memory} backend: one {@link TreeMap} per table (keys ordered as unsigned bytes) behind one read/write
 * lock. Batches are applied under the write lock, so they are atomic; reads take the read lock.
 *
 * <p><b>Views and cursors</b> read a {@link Generation} of a table's map that nobody changes while they hold it: a
 * commit that finds readers on the current generation of a table copies that table's map (O(size of the table)) and
 * changes the copy, leaving the old one to its readers; with no readers it changes the map in place. A view costs
 * O(tables) to take, and a copy of each table written while it is open. Fine for tests, not for large data.
 *
 * <p>Every key and value is copied on the way in and on the way out, so callers cannot change stored arrays.
 */
final class MemoryBackend implements Backend {

    /** Unsigned lexicographic order, as every backend orders keys. */
    static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, MemoryTable> tables = new LinkedHashMap<>();
    /** Bytes of keys and values held; guarded by the lock. */
    private long bytes;
    /** Set under the write lock; volatile so that views and cursors can check it without the lock. */
    private volatile boolean closed;

    MemoryBackend(List<String> names) {
        for (String name : names) {
            Objects.requireNonNull(name, "table name");
            if (tables.put(name, new MemoryTable(name, this)) != null) {
                throw new IllegalArgumentException("table '" + name + "' is declared twice");
            }
        }
    }

    /** A table's map at one moment, and how many views and cursors read it. */
    static final class Generation {
        final NavigableMap<byte[], byte[]> map;
        final AtomicInteger readers = new AtomicInteger();

        Generation(NavigableMap<byte[], byte[]> map) {
            this.map = map;
        }

        /** Registers a reader; called under the backend's read lock, so no commit changes the map meanwhile. */
        Generation pin() {
            readers.incrementAndGet();
            return this;
        }

        /** Unregisters a reader, once per {@link #pin()}; a reader that never does so only costs a copy once. */
        void unpin() {
            readers.decrementAndGet();
        }
    }

    @Override
    public Table table(String name) {
        lock.readLock().lock();
        try {
            ensureOpen();
            MemoryTable table = tables.get(name);
            if (table == null) {
                throw new IllegalArgumentException("table '" + name + "' was not declared; declared: "
                        + tables.keySet());
            }
            return table;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public byte[] get(Table table, byte[] key) {
        Objects.requireNonNull(key, "key");
        lock.readLock().lock();
        try {
            ensureOpen();
            byte[] value = own(table).current.map.get(key);
            return value == null ? null : value.clone();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Cursor cursor(Table table, byte[] from, byte[] to) {
        Objects.requireNonNull(from, "from");
        lock.readLock().lock();
        try {
            ensureOpen();
            return new MemoryCursor(this, own(table).current.pin(), from, to);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public WriteBatch batch() {
        ensureOpen();
        return new MemoryWriteBatch(this);
    }

    @Override
    public BackendView view() {
        lock.readLock().lock();
        try {
            ensureOpen();
            Map<MemoryTable, Generation> pinned = new IdentityHashMap<>();
            for (MemoryTable table : tables.values()) {
                pinned.put(table, table.current.pin());
            }
            return new MemoryView(this, pinned);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** {@return false: the maps live on the heap and go with the process} */
    @Override
    public boolean durable() {
        return false;
    }

    /** Nothing to do: nothing is on disk. */
    @Override
    public void sync() {
        ensureOpen();
    }

    /** {@return the bytes of the keys and values held} */
    @Override
    public long sizeBytes() {
        lock.readLock().lock();
        try {
            ensureOpen();
            return bytes;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** {@return the same as {@link #sizeBytes()}: a heap map holds no garbage of its own} */
    @Override
    public long sizeInUseBytes() {
        return sizeBytes();
    }

    /** Nothing to do: a deleted entry leaves the map at once. */
    @Override
    public void defragment() {
        ensureOpen();
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (MemoryTable table : tables.values()) {
                table.current = new Generation(new TreeMap<>(ORDER)); // let the data go once readers drop it
            }
            bytes = 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Applies a batch's changes, in order, atomically. */
    void apply(List<MemoryWriteBatch.Change> changes) {
        lock.writeLock().lock();
        try {
            ensureOpen();
            for (MemoryWriteBatch.Change change : changes) {
                MemoryTable table = change.table();
                Generation current = table.current;
                if (current.readers.get() > 0) {
                    // Someone reads this map: change a copy, leave theirs alone.
                    current = new Generation(new TreeMap<>(current.map));
                    table.current = current;
                }
                byte[] old = change.value() == null
                        ? current.map.remove(change.key())
                        : current.map.put(change.key(), change.value());
                if (old != null) {
                    bytes -= change.key().length + old.length;
                }
                if (change.value() != null) {
                    bytes += change.key().length + change.value().length;
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Checks that a table handle belongs to this backend.
     *
     * @throws IllegalArgumentException if it does not
     */
    MemoryTable own(Table table) {
        Objects.requireNonNull(table, "table");
        if (table instanceof MemoryTable t && t.owner == this) {
            return t;
        }
        throw new IllegalArgumentException("table '" + table.name() + "' does not belong to this backend");
    }

    /** @throws IllegalStateException once the backend is closed */
    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the memory backend is closed");
        }
    }
}
