package io.flotilla.raft.storage.lmdb;

import io.flotilla.raft.api.spi.EntryRecords;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.lmdbjava.Cursor;
import org.lmdbjava.Env;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * A {@link LogStore} on LMDB. Each mutating call is one write transaction, committed with an fsync unless the
 * unsafe {@code sync=false} option was given, so it is atomic and durable when it returns.
 *
 * <p>Every reading method runs in its own read transaction and takes the log's bounds from that transaction, not from
 * fields: LMDB's snapshots then give readers the "before or after, never a mix" view without waiting for a writer.
 * The invariant kept on disk is that {@code entries} holds exactly the indexes after the boundary, contiguously.
 *
 * <p>Opening scans every entry, checking its checksum and that the keys are contiguous from the boundary; reads check
 * checksums again. A damaged store fails with {@link CorruptLogException}.
 */
final class LmdbLogStore implements LogStore {

    private static final byte[] STATE_KEY = "state".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BOUNDARY_KEY = "boundary".getBytes(StandardCharsets.US_ASCII);

    private final LmdbHandles db;
    private final Env<ByteBuffer> env;
    private final String where;
    /** Read side: any call; write side: close, so that no call runs on a closed environment. */
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    /** Serializes mutating calls: LMDB would block a second write transaction anyway, but on the native side. */
    private final Object writeMutex = new Object();
    private boolean closed;

    /** The log's shape as one transaction sees it. */
    private record Bounds(long boundary, long boundaryTerm, long last) {
        String describe() {
            return "[" + (boundary + 1) + ", " + (last + 1) + ")";
        }
    }

    LmdbLogStore(LmdbHandles db, Path directory) {
        this.db = db;
        this.env = db.env();
        this.where = directory.toString();
        try {
            inRead("recovering", this::verifyAll);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    private Void verifyAll(Txn<ByteBuffer> txn) {
        long expected = boundary(txn)[0] + 1;
        state(txn);
        try (Cursor<ByteBuffer> c = db.entries().openCursor(txn)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                long index = c.key().getLong(0);
                if (index != expected) {
                    throw new CorruptLogException(where, expected, index > expected
                            ? "entry missing (gap in the log; next stored index is " + index + ")"
                            : "stray entry " + index + " below the compaction boundary " + (expected - 1));
                }
                EntryRecords.decode(where, index, bytes(c.val()));
                expected++;
            }
        }
        return null;
    }

    @Override
    public long firstIndex() {
        return inRead("firstIndex", txn -> boundary(txn)[0] + 1);
    }

    @Override
    public long lastIndex() {
        return inRead("lastIndex", txn -> bounds(txn).last());
    }

    @Override
    public long termAt(long index) {
        return inRead("termAt", txn -> {
            Bounds b = bounds(txn);
            if (index == b.boundary()) {
                return b.boundaryTerm();
            }
            if (index < b.boundary() || index > b.last()) {
                throw new IllegalArgumentException(where + ": index " + index + " is outside the log ["
                        + b.boundary() + ", " + b.last() + "]");
            }
            return termOf(txn, index);
        });
    }

    @Override
    public List<LogEntry> read(long fromIndex, long toIndex, long maxBytes) {
        return inRead("read", txn -> {
            Bounds b = bounds(txn);
            if (fromIndex <= b.boundary() || toIndex > b.last() + 1 || fromIndex > toIndex) {
                throw new IllegalArgumentException(where + ": cannot read [" + fromIndex + ", " + toIndex
                        + ") from a log holding " + b.describe());
            }
            List<LogEntry> out = new ArrayList<>();
            if (fromIndex == toIndex) {
                return out;
            }
            long bytes = 0;
            try (Cursor<ByteBuffer> c = db.entries().openCursor(txn)) {
                boolean ok = c.get(key(fromIndex), GetOp.MDB_SET_RANGE);
                for (long i = fromIndex; i < toIndex; i++, ok = c.next()) {
                    byte[] value = ok && c.key().getLong(0) == i ? bytes(c.val()) : null;
                    LogEntry e = EntryRecords.decode(where, i, value);
                    bytes += e.size();
                    if (!out.isEmpty() && bytes > maxBytes) {
                        break;
                    }
                    out.add(e);
                }
            }
            return out;
        });
    }

    @Override
    public PersistentState state() {
        return inRead("state", this::state);
    }

    @Override
    public void write(PersistentState newState, List<LogEntry> entries) {
        inWrite("write", txn -> {
            if (!entries.isEmpty()) {
                Bounds b = bounds(txn);
                long first = entries.get(0).index();
                if (first <= b.boundary() || first > b.last() + 1) {
                    throw new IllegalArgumentException(where + ": cannot append at index " + first
                            + " to a log holding " + b.describe());
                }
                for (int i = 1; i < entries.size(); i++) {
                    if (entries.get(i).index() != first + i) {
                        throw new IllegalArgumentException(where + ": entries are not contiguous at index "
                                + entries.get(i).index() + " (expected " + (first + i) + ")");
                    }
                }
                // Raft §5.3: the new entries replace a conflicting suffix, in the same transaction.
                deleteRange(txn, first, b.last() + 1);
                for (LogEntry e : entries) {
                    put(txn, db.entries(), key(e.index()), EntryRecords.encode(e));
                }
            }
            if (newState != null) {
                put(txn, db.meta(), direct(STATE_KEY), EntryRecords.encodeState(newState));
            }
        });
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        inWrite("truncateSuffix", txn -> {
            Bounds b = bounds(txn);
            if (fromIndex <= b.boundary() || fromIndex > b.last() + 1) {
                throw new IllegalArgumentException(where + ": cannot truncate from " + fromIndex
                        + " in a log holding " + b.describe());
            }
            deleteRange(txn, fromIndex, b.last() + 1);
        });
    }

    @Override
    public void compactPrefix(long throughIndex) {
        inWrite("compactPrefix", txn -> {
            Bounds b = bounds(txn);
            if (throughIndex < b.boundary() || throughIndex > b.last()) {
                throw new IllegalArgumentException(where + ": cannot compact through " + throughIndex
                        + " in a log holding " + b.describe());
            }
            if (throughIndex > b.boundary()) {
                long term = termOf(txn, throughIndex);
                put(txn, db.meta(), direct(BOUNDARY_KEY), EntryRecords.encodeBoundary(throughIndex, term));
                deleteRange(txn, b.boundary() + 1, throughIndex + 1);
            }
        });
    }

    @Override
    public void reset(long index, long term) {
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException(where + ": cannot reset to index " + index + " term " + term);
        }
        inWrite("reset", txn -> {
            Bounds b = bounds(txn);
            deleteRange(txn, b.boundary() + 1, b.last() + 1);
            put(txn, db.meta(), direct(BOUNDARY_KEY), EntryRecords.encodeBoundary(index, term));
        });
    }

    @Override
    public void close() {
        closeLock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                db.close();
            }
        } finally {
            closeLock.writeLock().unlock();
        }
    }

    // --- transactions ---

    private <R> R inRead(String doing, Function<Txn<ByteBuffer>, R> body) {
        closeLock.readLock().lock();
        try {
            checkOpen();
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                return body.apply(txn);
            } catch (LmdbException e) {
                throw failure(doing, e);
            }
        } finally {
            closeLock.readLock().unlock();
        }
    }

    private interface WriteBody {
        void run(Txn<ByteBuffer> txn);
    }

    /** Runs a body in one write transaction; if it throws (misuse included), the transaction aborts: no change. */
    private void inWrite(String doing, WriteBody body) {
        closeLock.readLock().lock();
        try {
            synchronized (writeMutex) {
                checkOpen();
                try (Txn<ByteBuffer> txn = env.txnWrite()) {
                    body.run(txn);
                    txn.commit();
                } catch (LmdbException e) {
                    throw failure(doing, e);
                }
            }
        } finally {
            closeLock.readLock().unlock();
        }
    }

    // --- reading and writing inside a transaction ---

    private Bounds bounds(Txn<ByteBuffer> txn) {
        long[] b = boundary(txn);
        try (Cursor<ByteBuffer> c = db.entries().openCursor(txn)) {
            return new Bounds(b[0], b[1], c.last() ? c.key().getLong(0) : b[0]);
        }
    }

    private long[] boundary(Txn<ByteBuffer> txn) {
        ByteBuffer raw = db.meta().get(txn, direct(BOUNDARY_KEY));
        return raw == null ? new long[] {0, 0} : EntryRecords.decodeBoundary(where, bytes(raw));
    }

    private PersistentState state(Txn<ByteBuffer> txn) {
        ByteBuffer raw = db.meta().get(txn, direct(STATE_KEY));
        return raw == null ? PersistentState.INITIAL : EntryRecords.decodeState(where, bytes(raw));
    }

    private long termOf(Txn<ByteBuffer> txn, long index) {
        ByteBuffer raw = db.entries().get(txn, key(index));
        return EntryRecords.term(where, index, raw == null ? null : bytes(raw));
    }

    private void deleteRange(Txn<ByteBuffer> txn, long from, long to) {
        try (Cursor<ByteBuffer> c = db.entries().openCursor(txn)) {
            // Re-seek after each delete rather than rely on where a deleted cursor points.
            while (c.get(key(from), GetOp.MDB_SET_RANGE) && c.key().getLong(0) < to) {
                c.delete();
            }
        }
    }

    private static void put(Txn<ByteBuffer> txn, org.lmdbjava.Dbi<ByteBuffer> dbi, ByteBuffer key, byte[] value) {
        // reserve() hands out the space inside the map, saving a copy of large payloads into a direct buffer.
        dbi.reserve(txn, key, value.length).put(value);
    }

    private static ByteBuffer key(long index) {
        return ByteBuffer.allocateDirect(8).putLong(0, index);
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    /** Copies a value out of the map: the buffer LMDB returns is only valid until the transaction ends. */
    private static byte[] bytes(ByteBuffer value) {
        byte[] out = new byte[value.remaining()];
        value.duplicate().get(out);
        return out;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(where + ": the log store is closed");
        }
    }

    private LogStoreException failure(String doing, LmdbException e) {
        if (e instanceof Env.MapFullException) {
            return new LogStoreException("lmdb log store " + where + ": " + doing
                    + " failed: the map is full; raise the mapSize option", e);
        }
        if (e instanceof org.lmdbjava.LmdbNativeException.PageCorruptedException) {
            return new CorruptLogException(where, -1, "LMDB reports a corrupted page while " + doing);
        }
        return new LogStoreException("lmdb log store " + where + ": " + doing + " failed: " + e.getMessage(), e);
    }
}
