package io.flotilla.kv.service.quota;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendException;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;

/** A backend that passes everything to another, except that its commits fail like a full disk while told to. */
final class FaultyBackend implements Backend {

    private final Backend inner;
    private volatile boolean diskFull;
    private volatile int refusedCommits;

    FaultyBackend(Backend inner) {
        this.inner = inner;
    }

    void diskFull(boolean full) {
        diskFull = full;
    }

    int refusedCommits() {
        return refusedCommits;
    }

    @Override
    public Table table(String name) {
        return inner.table(name);
    }

    @Override
    public WriteBatch batch() {
        WriteBatch batch = inner.batch();
        return new WriteBatch() {
            @Override
            public void put(Table table, byte[] key, byte[] value) {
                batch.put(table, key, value);
            }

            @Override
            public void delete(Table table, byte[] key) {
                batch.delete(table, key);
            }

            @Override
            public int size() {
                return batch.size();
            }

            @Override
            public void commit(boolean durable) {
                if (diskFull) {
                    refusedCommits++;
                    throw new BackendException("cannot write to /data/kv: No space left on device", null, true);
                }
                batch.commit(durable);
            }

            @Override
            public void close() {
                batch.close();
            }
        };
    }

    @Override
    public BackendView view() {
        return inner.view();
    }

    @Override
    public boolean durable() {
        return inner.durable();
    }

    @Override
    public void sync() {
        inner.sync();
    }

    @Override
    public long sizeBytes() {
        return inner.sizeBytes();
    }

    @Override
    public long sizeInUseBytes() {
        return inner.sizeInUseBytes();
    }

    @Override
    public void defragment() {
        inner.defragment();
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public byte[] get(Table table, byte[] key) {
        return inner.get(table, key);
    }

    @Override
    public Cursor cursor(Table table, byte[] from, byte[] to) {
        return inner.cursor(table, from, to);
    }
}
