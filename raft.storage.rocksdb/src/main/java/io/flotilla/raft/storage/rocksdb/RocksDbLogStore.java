package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.api.spi.EntryRecords;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * A {@link LogStore} on RocksDB. Entries live in the {@code entries} column family under their big-endian index;
 * the persistent state and the compaction boundary live in the default column family. Each mutating call is one
 * {@code WriteBatch}, written with {@code sync} unless the unsafe {@code sync=false} option was given, so it is atomic
 * and durable when it returns.
 *
 * <p>The bounds of the log are kept in fields, recovered on open by a full scan that checks every entry's checksum
 * and that the keys are contiguous from the boundary: a damaged or missing entry fails the open with
 * {@link CorruptLogException} instead of surfacing later. Reads check checksums again.
 *
 * <p>A read-write lock gives readers the "before or after, never a mix" view: a read never overlaps a write. Readers
 * therefore wait for an in-flight synced write; the engine's own thread does almost all reads, so this costs little.
 */
final class RocksDbLogStore implements LogStore {

    private static final byte[] STATE_KEY = "state".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BOUNDARY_KEY = "boundary".getBytes(StandardCharsets.US_ASCII);

    private final RocksDbHandles db;
    private final String where;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /** The compaction boundary: the index before the first entry, and its term. */
    private long boundary;
    private long boundaryTerm;
    private long lastIndex;
    private PersistentState state;
    private boolean closed;

    RocksDbLogStore(RocksDbHandles db, Path directory) {
        this.db = db;
        this.where = directory.toString();
        try {
            recover();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    private void recover() {
        byte[] rawBoundary = db.get(db.meta(), BOUNDARY_KEY);
        long[] b = rawBoundary == null ? new long[] {0, 0} : EntryRecords.decodeBoundary(where, rawBoundary);
        boundary = b[0];
        boundaryTerm = b[1];
        byte[] rawState = db.get(db.meta(), STATE_KEY);
        state = rawState == null ? PersistentState.INITIAL : EntryRecords.decodeState(where, rawState);
        long expected = boundary + 1;
        try (RocksIterator it = db.db().newIterator(db.entries())) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long index = EntryRecords.index(it.key());
                if (index != expected) {
                    throw new CorruptLogException(where, expected, index > expected
                            ? "entry missing (gap in the log; next stored index is " + index + ")"
                            : "stray entry " + index + " below the compaction boundary " + boundary);
                }
                EntryRecords.decode(where, index, it.value());
                expected++;
            }
            checkIterator(it, "recovering");
        }
        lastIndex = expected - 1;
    }

    @Override
    public long firstIndex() {
        lock.readLock().lock();
        try {
            return boundary + 1;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long lastIndex() {
        lock.readLock().lock();
        try {
            return lastIndex;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long termAt(long index) {
        lock.readLock().lock();
        try {
            checkOpen();
            if (index == boundary) {
                return boundaryTerm;
            }
            if (index < boundary || index > lastIndex) {
                throw new IllegalArgumentException(where + ": index " + index + " is outside the log [" + boundary
                        + ", " + lastIndex + "]");
            }
            return EntryRecords.term(where, index, db.get(db.entries(), EntryRecords.key(index)));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<LogEntry> read(long fromIndex, long toIndex, long maxBytes) {
        lock.readLock().lock();
        try {
            checkOpen();
            if (fromIndex <= boundary || toIndex > lastIndex + 1 || fromIndex > toIndex) {
                throw new IllegalArgumentException(where + ": cannot read [" + fromIndex + ", " + toIndex
                        + ") from a log holding [" + (boundary + 1) + ", " + (lastIndex + 1) + ")");
            }
            List<LogEntry> out = new ArrayList<>();
            if (fromIndex == toIndex) {
                return out;
            }
            long bytes = 0;
            try (RocksIterator it = db.db().newIterator(db.entries())) {
                it.seek(EntryRecords.key(fromIndex));
                for (long i = fromIndex; i < toIndex; i++, it.next()) {
                    byte[] value = it.isValid() && EntryRecords.index(it.key()) == i ? it.value() : null;
                    if (value == null) {
                        checkIterator(it, "reading");
                    }
                    LogEntry e = EntryRecords.decode(where, i, value);
                    bytes += e.size();
                    if (!out.isEmpty() && bytes > maxBytes) {
                        break;
                    }
                    out.add(e);
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public PersistentState state() {
        lock.readLock().lock();
        try {
            return state;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void write(PersistentState newState, List<LogEntry> entries) {
        lock.writeLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            checkOpen();
            long newLast = lastIndex;
            if (!entries.isEmpty()) {
                long first = entries.get(0).index();
                if (first <= boundary || first > lastIndex + 1) {
                    throw new IllegalArgumentException(where + ": cannot append at index " + first
                            + " to a log holding [" + (boundary + 1) + ", " + (lastIndex + 1) + ")");
                }
                for (int i = 1; i < entries.size(); i++) {
                    if (entries.get(i).index() != first + i) {
                        throw new IllegalArgumentException(where + ": entries are not contiguous at index "
                                + entries.get(i).index() + " (expected " + (first + i) + ")");
                    }
                }
                if (first <= lastIndex) {
                    // Raft §5.3: the new entries replace a conflicting suffix, in the same atomic batch.
                    batch.deleteRange(db.entries(), EntryRecords.key(first), EntryRecords.key(lastIndex + 1));
                }
                for (LogEntry e : entries) {
                    batch.put(db.entries(), EntryRecords.key(e.index()), EntryRecords.encode(e));
                }
                newLast = first + entries.size() - 1;
            }
            if (newState != null) {
                batch.put(db.meta(), STATE_KEY, EntryRecords.encodeState(newState));
            }
            if (batch.count() == 0) {
                return;
            }
            db.write(batch);
            lastIndex = newLast;
            if (newState != null) {
                state = newState;
            }
        } catch (RocksDBException e) {
            throw failure("write", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        lock.writeLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            checkOpen();
            if (fromIndex <= boundary || fromIndex > lastIndex + 1) {
                throw new IllegalArgumentException(where + ": cannot truncate from " + fromIndex
                        + " in a log holding [" + (boundary + 1) + ", " + (lastIndex + 1) + ")");
            }
            if (fromIndex == lastIndex + 1) {
                return;
            }
            batch.deleteRange(db.entries(), EntryRecords.key(fromIndex), EntryRecords.key(lastIndex + 1));
            db.write(batch);
            lastIndex = fromIndex - 1;
        } catch (RocksDBException e) {
            throw failure("truncateSuffix", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void compactPrefix(long throughIndex) {
        lock.writeLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            checkOpen();
            if (throughIndex < boundary || throughIndex > lastIndex) {
                throw new IllegalArgumentException(where + ": cannot compact through " + throughIndex
                        + " in a log holding [" + (boundary + 1) + ", " + (lastIndex + 1) + ")");
            }
            if (throughIndex == boundary) {
                return;
            }
            long term = EntryRecords.term(where, throughIndex, db.get(db.entries(), EntryRecords.key(throughIndex)));
            // The boundary and the deletion go in one batch: a crash leaves either the old log or the new one.
            batch.put(db.meta(), BOUNDARY_KEY, EntryRecords.encodeBoundary(throughIndex, term));
            batch.deleteRange(db.entries(), EntryRecords.key(boundary + 1), EntryRecords.key(throughIndex + 1));
            db.write(batch);
            boundary = throughIndex;
            boundaryTerm = term;
        } catch (RocksDBException e) {
            throw failure("compactPrefix", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void reset(long index, long term) {
        lock.writeLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            checkOpen();
            if (index < 0 || term < 0) {
                throw new IllegalArgumentException(where + ": cannot reset to index " + index + " term " + term);
            }
            batch.put(db.meta(), BOUNDARY_KEY, EntryRecords.encodeBoundary(index, term));
            if (lastIndex > boundary) {
                batch.deleteRange(db.entries(), EntryRecords.key(boundary + 1), EntryRecords.key(lastIndex + 1));
            }
            db.write(batch);
            boundary = index;
            boundaryTerm = term;
            lastIndex = index;
        } catch (RocksDBException e) {
            throw failure("reset", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                db.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(where + ": the log store is closed");
        }
    }

    private void checkIterator(RocksIterator it, String doing) {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw failure(doing, e);
        }
    }

    private LogStoreException failure(String doing, RocksDBException e) {
        if (e.getStatus() != null && e.getStatus().getCode() == org.rocksdb.Status.Code.Corruption) {
            return new CorruptLogException(where, -1, "RocksDB reports corruption while " + doing + ": "
                    + e.getMessage());
        }
        return new LogStoreException("rocksdb log store " + where + ": " + doing + " failed: " + e.getMessage(), e);
    }
}
