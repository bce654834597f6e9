package com.example.flotilla.journal;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.EntryRecords;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link LogStore} on one append-only {@link JournalFile}. Every mutating call appends one frame and forces it
 * before it returns, so it is atomic (the frame is whole or dropped) and durable. The persistent state travels in the
 * same frame as the entries written with it: a member can never come back with an entry of term 5 but a current term
 * of 4, which could let it win a second election in term 5.
 *
 * <p>The file is only read at open (a replay that rebuilds the {@link LogIndex}) and by {@link #read}; everything else
 * is answered from memory. Compaction and reset append a small frame, or rewrite the file without the discarded
 * records once {@link JournalOptions#rewriteThreshold()} of them have piled up and outnumber the live ones.
 *
 * <p>Threads: the writer does its I/O, fsync included, without the lock, and takes the write lock only to publish the
 * result in memory (and, after a rewrite, to swap files). Readers hold the read lock while they read, so they see the
 * log before or after a call, never a mix, and wait for no fsync. Appended bytes never move, so a reader never reads
 * a place the writer is writing.
 */
final class JournalLogStore implements LogStore {

    private static final String LOCK_NAME = "lock";
    /** A rewrite copies entries in frames of about this many bytes, so it never holds the whole log in memory. */
    private static final long REWRITE_CHUNK_BYTES = 4L << 20;

    private final Path directory;
    private final String where;
    private final JournalOptions options;
    private final FileChannel directoryLock;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private JournalFile file;
    private LogIndex index = new LogIndex(0, 0);
    private PersistentState state = PersistentState.INITIAL;
    private volatile boolean closed;
    private IOException failure;

    private JournalLogStore(Path directory, JournalOptions options, FileChannel directoryLock, JournalFile file) {
        this.directory = directory;
        this.where = directory.resolve(JournalFile.NAME).toString();
        this.options = options;
        this.directoryLock = directoryLock;
        this.file = file;
    }

    /**
     * Opens (creating if needed) the store in a directory and recovers it.
     *
     * @param directory the store's directory
     * @param options   the validated options
     * @return the open store
     * @throws CorruptLogException if the journal is damaged anywhere but in its last write
     * @throws LogStoreException   if it cannot be opened, e.g. because another store has it open
     */
    static JournalLogStore open(Path directory, JournalOptions options) {
        FileChannel directoryLock = null;
        JournalFile file = null;
        try {
            createDirectory(directory);
            directoryLock = lockDirectory(directory);
            file = JournalFile.open(directory, options.sync());
            JournalLogStore store = new JournalLogStore(directory, options, directoryLock, file);
            file.recover(store::replay, () -> store.index.lastIndex() + 1);
            return store;
        } catch (IOException e) {
            closeQuietly(file, directoryLock);
            throw new LogStoreException("journal log store " + directory + ": cannot open: " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(file, directoryLock);
            throw e;
        }
    }

    @Override
    public long firstIndex() {
        lock.readLock().lock();
        try {
            checkOpen();
            return index.boundary() + 1;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long lastIndex() {
        lock.readLock().lock();
        try {
            checkOpen();
            return index.lastIndex();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long termAt(long at) {
        lock.readLock().lock();
        try {
            checkOpen();
            if (at < index.boundary() || at > index.lastIndex()) {
                throw new IllegalArgumentException(where + ": index " + at + " is outside the log ["
                        + index.boundary() + ", " + index.lastIndex() + "]");
            }
            return index.termAt(at);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<LogEntry> read(long fromIndex, long toIndex, long maxBytes) {
        lock.readLock().lock();
        try {
            checkOpen();
            if (fromIndex <= index.boundary() || toIndex > index.lastIndex() + 1 || fromIndex > toIndex) {
                throw new IllegalArgumentException(where + ": cannot read [" + fromIndex + ", " + toIndex
                        + ") from a log holding " + range());
            }
            return readRange(fromIndex, toIndex, maxBytes);
        } catch (IOException e) {
            throw new LogStoreException(where + ": read failed: " + e, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public PersistentState state() {
        lock.readLock().lock();
        try {
            checkOpen();
            return state;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void write(PersistentState newState, List<LogEntry> entries) {
        checkWritable();
        long first = entries.isEmpty() ? index.lastIndex() + 1 : entries.get(0).index();
        if (entries.isEmpty() && newState == null) {
            return;
        }
        if (first <= index.boundary() || first > index.lastIndex() + 1) {
            throw new IllegalArgumentException(where + ": cannot append at index " + first + " to a log holding "
                    + range());
        }
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != first + i) {
                throw new IllegalArgumentException(where + ": entries are not contiguous at index "
                        + entries.get(i).index() + " (expected " + (first + i) + ")");
            }
        }
        Frames.Encoded frame = Frames.entries(newState, first, entries);
        long at = appendDurably(frame);
        long[] terms = new long[entries.size()];
        long[] offsets = new long[entries.size()];
        for (int i = 0; i < terms.length; i++) {
            terms[i] = entries.get(i).term();
            offsets[i] = at + frame.recordOffsets()[i];
        }
        lock.writeLock().lock();
        try {
            // Raft §5.3: entries from the first new index on are replaced, by the same frame that holds the new ones.
            apply(newState, first, terms, offsets, frame.recordLengths());
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        checkWritable();
        if (fromIndex <= index.boundary() || fromIndex > index.lastIndex() + 1) {
            throw new IllegalArgumentException(where + ": cannot truncate from " + fromIndex + " in a log holding "
                    + range());
        }
        if (fromIndex == index.lastIndex() + 1) {
            return;
        }
        appendDurably(Frames.truncate(fromIndex));
        lock.writeLock().lock();
        try {
            index.truncateFrom(fromIndex);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void compactPrefix(long throughIndex) {
        checkWritable();
        if (throughIndex < index.boundary() || throughIndex > index.lastIndex()) {
            throw new IllegalArgumentException(where + ": cannot compact through " + throughIndex
                    + " in a log holding " + range());
        }
        if (throughIndex == index.boundary()) {
            return;
        }
        long term = index.termAt(throughIndex);
        long liveAfter = index.liveBytes() - index.bytesThrough(throughIndex);
        if (rewriteDue(liveAfter)) {
            rewrite(throughIndex, term, true);
            return;
        }
        appendDurably(Frames.compact(throughIndex, term));
        lock.writeLock().lock();
        try {
            index.compactThrough(throughIndex);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void reset(long at, long term) {
        checkWritable();
        if (at < 0 || term < 0) {
            throw new IllegalArgumentException(where + ": cannot reset to index " + at + " term " + term);
        }
        if (rewriteDue(0)) {
            rewrite(at, term, false);
            return;
        }
        appendDurably(Frames.reset(at, term));
        lock.writeLock().lock();
        try {
            index.reset(at, term);
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
                closeQuietly(file, directoryLock);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Applies one intact frame found by recovery; the frames must describe a log that makes sense. */
    private void replay(byte type, ByteBuffer body, long bodyOffset) {
        try {
            switch (type) {
                case Frames.ENTRIES -> {
                    Frames.EntriesFrame frame = Frames.decodeEntries(where, body, bodyOffset);
                    requireReplayable(frame.firstIndex(), index.boundary() + 1, bodyOffset, "appends at");
                    apply(frame.state(), frame.firstIndex(), frame.terms(), frame.offsets(), frame.lengths());
                }
                case Frames.TRUNCATE -> {
                    long from = body.getLong();
                    requireReplayable(from, index.boundary() + 1, bodyOffset, "truncates from");
                    index.truncateFrom(from);
                }
                case Frames.COMPACT -> {
                    long through = body.getLong();
                    long term = body.getLong();
                    requireReplayable(through, index.boundary(), bodyOffset, "compacts through");
                    if (index.termAt(through) != term) {
                        throw new CorruptLogException(where, through, "a compaction at byte "
                                + (bodyOffset - Frames.HEADER) + " names term " + term + " for an entry of term "
                                + index.termAt(through));
                    }
                    index.compactThrough(through);
                }
                case Frames.RESET -> index.reset(body.getLong(), body.getLong());
                default -> throw new CorruptLogException(where, -1, "unknown frame type " + type + " at byte "
                        + (bodyOffset - Frames.HEADER));
            }
        } catch (BufferUnderflowException e) {
            throw new CorruptLogException(where, -1, "frame at byte " + (bodyOffset - Frames.HEADER)
                    + " is too short for its type " + type);
        }
    }

    private void requireReplayable(long at, long lowest, long bodyOffset, String what) {
        // Only this store writes frames, and it validates every call first: a frame that does not fit the log
        // replayed so far means the file was altered, so nothing after it can be trusted.
        if (at < lowest || at > index.lastIndex() + 1) {
            throw new CorruptLogException(where, at, "the frame at byte " + (bodyOffset - Frames.HEADER) + " "
                    + what + " index " + at + ", outside the log " + range());
        }
    }

    /** Makes an ENTRIES frame's effect visible: the entries replace the log from their first index on. */
    private void apply(PersistentState newState, long first, long[] terms, long[] offsets, int[] lengths) {
        index.truncateFrom(first);
        for (int i = 0; i < terms.length; i++) {
            index.add(terms[i], offsets[i], lengths[i]);
        }
        if (newState != null) {
            state = newState;
        }
    }

    private long appendDurably(Frames.Encoded frame) {
        try {
            long at = file.append(frame.bytes());
            file.force();
            return at;
        } catch (IOException e) {
            throw failed("write", e);
        }
    }

    /**
     * Whether a compaction or reset that leaves {@code liveAfter} bytes of records should rewrite the file: once the
     * discarded bytes reach the threshold and outnumber the live ones, so a rewrite never copies more than it frees.
     */
    private boolean rewriteDue(long liveAfter) {
        long dead = file.end() - JournalFile.FILE_HEADER - liveAfter;
        return dead >= options.rewriteThreshold() && dead > liveAfter;
    }

    /**
     * Replaces the file with one holding only the log after a new boundary: a RESET frame, then the state and, when
     * {@code keepEntries}, the entries after the boundary, copied (and checked) from the current file. The new file
     * is renamed into place only once complete and forced, so a crash leaves the old log or the new one.
     */
    private void rewrite(long boundary, long term, boolean keepEntries) {
        JournalFile fresh = null;
        boolean committed = false;
        LogIndex freshIndex = new LogIndex(boundary, term);
        try {
            fresh = JournalFile.createTemp(directory, options.sync());
            fresh.append(Frames.reset(boundary, term).bytes());
            long last = keepEntries ? index.lastIndex() : boundary;
            long next = boundary + 1;
            PersistentState pendingState = state;
            do {
                List<LogEntry> chunk = next > last ? List.of() : readRange(next, last + 1, REWRITE_CHUNK_BYTES);
                Frames.Encoded frame = Frames.entries(pendingState, next, chunk);
                long at = fresh.append(frame.bytes());
                for (int i = 0; i < chunk.size(); i++) {
                    freshIndex.add(chunk.get(i).term(), at + frame.recordOffsets()[i], frame.recordLengths()[i]);
                }
                pendingState = null;
                next += chunk.size();
            } while (next <= last);
            fresh.commit();
            committed = true;
        } catch (IOException e) {
            throw failed("rewrite", e);
        } finally {
            if (fresh != null && !committed) {
                fresh.discard(); // also when an entry failed its check while being copied
            }
        }
        JournalFile old = file;
        lock.writeLock().lock();
        try {
            file = fresh;
            index = freshIndex;
            closeQuietly(old, null); // no reader is inside: they all hold the read lock while they read
        } finally {
            lock.writeLock().unlock();
        }
    }

    private List<LogEntry> readRange(long from, long to, long maxBytes) throws IOException {
        List<LogEntry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            int length = index.length(i);
            // The budget counts payloads; the index knows each size, so an entry that does not fit is never read.
            bytes += length - EntryRecords.ENTRY_HEADER;
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(EntryRecords.decode(where, i, file.read(index.offset(i), length).array()));
        }
        return out;
    }

    private String range() {
        return "[" + (index.boundary() + 1) + ", " + (index.lastIndex() + 1) + ")";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(where + ": the log store is closed");
        }
    }

    private void checkWritable() {
        checkOpen();
        if (failure != null) {
            throw new LogStoreException(where + ": an earlier write failed (" + failure + "); reopen the store to"
                    + " recover from what is on disk", failure);
        }
    }

    /**
     * Remembers a failed write and refuses every later one: after a failed write or fsync the file's contents are
     * unknown (Linux may even drop the unwritten pages and let a later fsync succeed), so only a reopen, which
     * recovers from what is really on disk, is safe.
     */
    private LogStoreException failed(String doing, IOException e) {
        failure = e;
        return new LogStoreException(where + ": " + doing + " failed: " + e, e);
    }

    private static void createDirectory(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        Files.createDirectories(directory);
        // The directory's own entry must survive a crash too, or a durable write could vanish with it.
        JournalFile.forceDirectory(directory.toAbsolutePath().getParent());
    }

    /** Holds a lock on {@code <directory>/lock} while the store is open: two stores on one journal would wreck it. */
    private static FileChannel lockDirectory(Path directory) throws IOException {
        FileChannel channel = FileChannel.open(directory.resolve(LOCK_NAME), CREATE, WRITE);
        try {
            if (channel.tryLock() != null) {
                return channel;
            }
        } catch (OverlappingFileLockException e) {
            // held by a store in this JVM
        }
        channel.close();
        throw new LogStoreException("journal log store " + directory + " is already open (in this or another"
                + " process)");
    }

    private static void closeQuietly(JournalFile file, FileChannel directoryLock) {
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException e) {
            // Nothing is lost: every acknowledged write was forced already.
        }
        try {
            if (directoryLock != null) {
                directoryLock.close(); // releases the lock
            }
        } catch (IOException e) {
            // The lock goes with the process at the latest.
        }
    }
}
