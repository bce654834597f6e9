package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import org.rocksdb.RocksDBException;

/**
 * A batch of the {@code rocksdb} backend: an {@code org.rocksdb.WriteBatch} (which copies keys and values into native
 * memory as they are added), written as one WAL record on commit and freed at once afterwards.
 */
final class RocksDbWriteBatch implements WriteBatch {

    private final RocksDbBackend owner;
    private final org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch();
    private final AtomicBoolean released = new AtomicBoolean();
    private int size;

    /** Creates the batch; called under the backend's read lock. */
    RocksDbWriteBatch(RocksDbBackend owner) {
        this.owner = owner;
        owner.track(this);
    }

    @Override
    public void put(Table table, byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Lock read = owner.readLock();
        try {
            ensureUsable();
            batch.put(owner.family(table), key, value);
            size++;
        } catch (RocksDBException e) {
            throw owner.error("write", e);
        } finally {
            read.unlock();
        }
    }

    @Override
    public void delete(Table table, byte[] key) {
        Objects.requireNonNull(key, "key");
        Lock read = owner.readLock();
        try {
            ensureUsable();
            batch.delete(owner.family(table), key);
            size++;
        } catch (RocksDBException e) {
            throw owner.error("write", e);
        } finally {
            read.unlock();
        }
    }

    @Override
    public int size() {
        return size;
    }

    /** Writes the batch; if RocksDB refuses it, nothing of it is applied and the batch can be retried or closed. */
    @Override
    public void commit(boolean durable) {
        Lock read = owner.readLock();
        try {
            ensureUsable();
            owner.write(batch, durable);
            release();
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

    /** Frees the native batch, once; under the backend's lock. */
    void release() {
        if (released.compareAndSet(false, true)) {
            owner.forget(this);
            batch.close();
        }
    }

    private void ensureUsable() {
        owner.ensureOpen();
        if (released.get()) {
            throw new IllegalStateException("the batch was already committed or closed");
        }
    }
}
