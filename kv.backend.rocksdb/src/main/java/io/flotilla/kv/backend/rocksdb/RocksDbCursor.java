package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.Cursor;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * A cursor of the {@code rocksdb} backend: a RocksDB iterator with {@code [from, to)} as its bounds, reading either a
 * view's snapshot or the implicit snapshot RocksDB takes when an iterator is created. Keys and values are copied out
 * of the iterator. An iterator that stops early because of an error (a damaged block) is reported, not taken for the
 * end of the range.
 */
final class RocksDbCursor implements Cursor {

    private final RocksDbBackend owner;
    private final RocksDbView view;
    private final byte[] from;
    private final byte[] to;
    private final AtomicBoolean released = new AtomicBoolean();
    /** Null, as are the slices, for an empty range. */
    private final ReadOptions readOptions;
    private final Slice lower;
    private final Slice upper;
    private final RocksIterator iterator;
    private boolean valid;

    /**
     * Opens the iterator and positions it at the first key of the range; called under the backend's read lock.
     *
     * @param view     the view it belongs to, or null
     * @param snapshot the view's snapshot, or null
     */
    RocksDbCursor(RocksDbBackend owner, RocksDbView view, ColumnFamilyHandle family, Snapshot snapshot, byte[] from,
            byte[] to) {
        this.owner = owner;
        this.view = view;
        this.from = from.clone();
        this.to = to == null ? null : to.clone();
        if (to != null && Arrays.compareUnsigned(from, to) >= 0) {
            readOptions = null;
            lower = null;
            upper = null;
            iterator = null;
        } else {
            readOptions = new ReadOptions();
            lower = from.length > 0 ? new Slice(this.from) : null;
            upper = to != null ? new Slice(this.to) : null;
            if (snapshot != null) {
                readOptions.setSnapshot(snapshot);
            }
            if (lower != null) {
                readOptions.setIterateLowerBound(lower);
            }
            if (upper != null) {
                readOptions.setIterateUpperBound(upper);
            }
            iterator = owner.db().newIterator(family, readOptions);
        }
        owner.track(this);
        if (iterator != null) {
            try {
                iterator.seek(this.from);
                update();
            } catch (RuntimeException e) {
                release();
                throw e;
            }
        }
    }

    @Override
    public boolean valid() {
        ensureOpen();
        return valid;
    }

    @Override
    public void next() {
        Lock read = owner.readLock();
        try {
            ensureOpen();
            if (valid) {
                iterator.next();
                update();
            }
        } finally {
            read.unlock();
        }
    }

    @Override
    public void seek(byte[] key) {
        Objects.requireNonNull(key, "key");
        Lock read = owner.readLock();
        try {
            ensureOpen();
            if (iterator == null || to != null && Arrays.compareUnsigned(key, to) >= 0) {
                valid = false;
                return;
            }
            iterator.seek(Arrays.compareUnsigned(key, from) < 0 ? from : key);
            update();
        } finally {
            read.unlock();
        }
    }

    @Override
    public byte[] key() {
        Lock read = owner.readLock();
        try {
            ensureOnEntry();
            return iterator.key();
        } finally {
            read.unlock();
        }
    }

    @Override
    public byte[] value() {
        Lock read = owner.readLock();
        try {
            ensureOnEntry();
            return iterator.value();
        } finally {
            read.unlock();
        }
    }

    @Override
    public void close() {
        Lock read = owner.readLock();
        try {
            release();
        } finally {
            read.unlock();
        }
    }

    /** Frees the native objects, once; under the backend's lock (read side from close(), write side from its close). */
    void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        valid = false;
        owner.forget(this);
        if (iterator != null) {
            iterator.close();
            readOptions.close();
            if (lower != null) {
                lower.close();
            }
            if (upper != null) {
                upper.close();
            }
        }
        if (view != null) {
            view.cursorReleased();
        }
    }

    /** Reads the iterator's position; if it ran out, checks that it ran out of keys rather than failed. */
    private void update() {
        valid = iterator.isValid();
        if (!valid) {
            try {
                iterator.status();
            } catch (RocksDBException e) {
                throw owner.error("read", e);
            }
        }
    }

    private void ensureOpen() {
        if (released.get()) {
            owner.ensureOpen(); // a cursor released by the backend's close says so
            throw new IllegalStateException("the cursor is closed");
        }
    }

    private void ensureOnEntry() {
        ensureOpen();
        if (!valid) {
            throw new IllegalStateException("the cursor is not on an entry");
        }
    }
}
