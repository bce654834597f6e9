package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * A view of the {@code rocksdb} backend: a RocksDB snapshot. The snapshot is released when the view is closed and the
 * last cursor opened from it is closed, so a cursor never reads through a released snapshot.
 */
final class RocksDbView implements BackendView {

    private final RocksDbBackend owner;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;
    /** Guarded by this. */
    private int cursors;
    /** Written under this. */
    private volatile boolean closed;
    /** Guarded by this. */
    private boolean released;

    /** Takes the snapshot; called under the backend's read lock. */
    RocksDbView(RocksDbBackend owner) {
        this.owner = owner;
        this.snapshot = owner.snapshot();
        this.readOptions = new ReadOptions().setSnapshot(snapshot);
        owner.track(this);
    }

    @Override
    public byte[] get(Table table, byte[] key) {
        Objects.requireNonNull(key, "key");
        Lock read = owner.readLock();
        try {
            ensureOpen();
            return owner.db().get(owner.family(table), readOptions, key);
        } catch (RocksDBException e) {
            throw owner.error("read", e);
        } finally {
            read.unlock();
        }
    }

    @Override
    public Cursor cursor(Table table, byte[] from, byte[] to) {
        Objects.requireNonNull(from, "from");
        Lock read = owner.readLock();
        try {
            ensureOpen();
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the view is closed");
                }
                cursors++;
            }
            try {
                return new RocksDbCursor(owner, this, owner.family(table), snapshot, from, to);
            } catch (RuntimeException e) {
                cursorReleased();
                throw e;
            }
        } finally {
            read.unlock();
        }
    }

    @Override
    public void close() {
        Lock read = owner.readLock();
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (cursors == 0) {
                    releaseNative();
                }
            }
        } finally {
            read.unlock();
        }
    }

    /** One of this view's cursors was released; called under the backend's lock (read or write side). */
    synchronized void cursorReleased() {
        cursors--;
        if (closed && cursors == 0) {
            releaseNative();
        }
    }

    /** Releases the snapshot whatever the cursors; called by the backend's close, after releasing every cursor. */
    synchronized void release() {
        closed = true;
        releaseNative();
    }

    private void releaseNative() {
        if (released) {
            return;
        }
        released = true;
        owner.forget(this);
        readOptions.close();
        owner.db().releaseSnapshot(snapshot);
    }

    private void ensureOpen() {
        owner.ensureOpen();
        if (closed) {
            throw new IllegalStateException("the view is closed");
        }
    }
}
