package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.StateMachine;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.LogStoreException;
import io.flotilla.raft.core.protocol.MembershipCodec;
import io.flotilla.raft.core.protocol.SnapshotFormat;
import io.flotilla.raft.core.protocol.SnapshotSource;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;

/**
 * A member's snapshot files, {@code snapshot-<index>-<term>.snap} in {@link SnapshotFormat}, and its checkpoints,
 * {@code checkpoint-<index>-<term>.snap}: the same format with no data, recording only that a state machine which keeps
 * its state on disk held the log up to that index durably ({@link StateMachine#persistApplied()}), with the term and
 * configuration there. Every file is written atomically — temporary file, fsync, rename, directory fsync — so a crash
 * leaves either the old set or the new one; the newest two of each kind are kept. A file that fails its checksum is
 * named in the log and skipped.
 *
 * <p>{@link #newest()}, the newer of the two kinds, is where the log may be compacted to and where recovery starts.
 * {@link #latest()}, what a leader sends, is always a full snapshot: behind a newer checkpoint the protocol finds it
 * too old and {@link #request(long)}s one, which the {@link Applier} writes from a view of the state machine.
 *
 * <p>The apply thread or the snapshot writer thread writes snapshots, the event loop reads chunks and receives
 * snapshots: the newest header is published through a volatile field, publishing is serialized (see
 * {@link #publish(Path, SnapshotFormat.Header, BooleanSupplier)}), and a chunk read of a file pruned meanwhile answers
 * null (the protocol then starts over with the newest snapshot).
 */
final class SnapshotFiles implements SnapshotSource {

    private static final System.Logger LOG = System.getLogger(SnapshotFiles.class.getName());
    private static final int KEEP = 2;
    private static final String RECEIVING = "receiving.tmp";

    private static final String SNAPSHOT = "snapshot";
    private static final String CHECKPOINT = "checkpoint";

    private final Path dir;
    private volatile SnapshotFormat.Header latest;
    private volatile SnapshotFormat.Header checkpoint;
    /** Called (on the event loop) when a follower needs a snapshot newer than {@link #latest}; see {@link #request}. */
    private volatile java.util.function.LongConsumer onRequest = atLeast -> { };

    private SnapshotFiles(Path dir) {
        this.dir = dir;
    }

    /** Opens the directory, finds the newest valid snapshot and removes leftovers of interrupted writes. */
    static SnapshotFiles open(Path dir) {
        try {
            Files.createDirectories(dir);
            try (var leftovers = Files.list(dir)) {
                for (Path p : leftovers.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            SnapshotFiles files = new SnapshotFiles(dir);
            files.latest = files.newestValid(SNAPSHOT);
            files.checkpoint = files.newestValid(CHECKPOINT);
            return files;
        } catch (IOException e) {
            throw new LogStoreException("cannot open snapshot directory " + dir + ": " + e, e);
        }
    }

    @Override
    public SnapshotFormat.Header latest() {
        return latest;
    }

    /** {@return the newest snapshot or checkpoint (the newer by index; the snapshot on a tie), or null} */
    SnapshotFormat.Header newest() {
        SnapshotFormat.Header s = latest;
        SnapshotFormat.Header c = checkpoint;
        if (c == null || (s != null && s.index() >= c.index())) {
            return s;
        }
        return c;
    }

    /** {@return whether {@code h}, from {@link #newest()}, is a checkpoint (it carries no state)} */
    boolean isCheckpoint(SnapshotFormat.Header h) {
        return h != null && h.equals(checkpoint) && !h.equals(latest);
    }

    /**
     * Hands a follower's need for a newer snapshot to whoever writes them ({@link Applier}); called on the event loop.
     *
     * @param atLeast the index the snapshot must reach
     */
    @Override
    public void request(long atLeast) {
        onRequest.accept(atLeast);
    }

    /** Sets what {@link #request(long)} calls. */
    void onRequest(java.util.function.LongConsumer handler) {
        this.onRequest = handler;
    }

    /**
     * Records a checkpoint: the state machine holds the log up to {@code index} durably. Written atomically like a
     * snapshot (it is one, with no data), in microseconds; called on the apply thread.
     */
    SnapshotFormat.Header writeCheckpoint(long index, long term, MembershipCodec.Membership membership) {
        Path tmp = dir.resolve(CHECKPOINT + "-" + index + ".writing.tmp");
        try {
            Files.write(tmp, SnapshotFormat.encode(index, term, membership, new byte[0]));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            SnapshotFormat.Header h = verify(tmp);
            synchronized (this) {
                Files.move(tmp, pathOf(CHECKPOINT, h), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                fsyncDirectory();
                SnapshotFormat.Header current = checkpoint;
                if (current == null || h.index() >= current.index()) {
                    checkpoint = h;
                }
                prune();
            }
            return h;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new LogStoreException("cannot write checkpoint " + index + " in " + dir + ": " + e, e);
        }
    }

    @Override
    public byte[] read(long index, long offset, int maxBytes) {
        SnapshotFormat.Header h = latest;
        if (h == null || h.index() != index) {
            return null;
        }
        try (RandomAccessFile file = new RandomAccessFile(pathOf(SNAPSHOT, h).toFile(), "r")) {
            int length = (int) Math.max(0, Math.min(maxBytes, file.length() - offset));
            byte[] out = new byte[length];
            file.seek(offset);
            file.readFully(out);
            return out;
        } catch (NoSuchFileException | java.io.FileNotFoundException pruned) {
            return null;
        } catch (IOException e) {
            throw new LogStoreException("cannot read snapshot " + pathOf(SNAPSHOT, h) + ": " + e, e);
        }
    }

    /** Where a snapshot's data comes from: the state machine itself, or a view of it taken earlier. */
    @FunctionalInterface
    interface Data {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes the state machine's snapshot at {@code index} (called on the apply thread, which waits for it) and
     * returns its header.
     */
    SnapshotFormat.Header write(long index, long term, MembershipCodec.Membership membership, StateMachine sm) {
        return write(index, term, membership, sm::writeSnapshot, () -> false);
    }

    /**
     * Writes a snapshot at {@code index} whose data {@code data} streams, and returns its header; the apply thread
     * calls it for a state machine without views, the snapshot writer thread for a {@link StateMachine.SnapshotView}.
     *
     * <p>One write: the header goes first with a zero data length, the data is streamed behind it, the length is
     * filled in; then one read back (from the page cache) computes the checksum, appended before the fsync; then the
     * rename and the directory fsync. Writing the data to a scratch file and copying it behind the header, as before,
     * wrote a large state twice.
     *
     * <p>{@code cancelled} is checked at every write of the data and once more, under the lock, just before the
     * rename: a cancelled write fails its data stream (the writer sees an {@link InterruptedIOException}), deletes its
     * temporary file and publishes nothing. Whatever happens, a {@code .snap} file only ever appears complete (rename
     * of an fsynced file); a temporary file left by a crash is removed at the next {@link #open}.
     *
     * @throws LogStoreException if the data cannot be written, or the write was cancelled
     */
    SnapshotFormat.Header write(long index, long term, MembershipCodec.Membership membership, Data data,
                                BooleanSupplier cancelled) {
        // Its own name (".writing"): a snapshot received from a leader becomes "snapshot-<index>.tmp" on its way in.
        Path tmp = dir.resolve("snapshot-" + index + ".writing.tmp");
        boolean published = false;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] header = SnapshotFormat.header(index, term, membership, 0);
            writeAll(ch, ByteBuffer.wrap(header));
            CountingOutputStream counting = new CountingOutputStream(
                    new BufferedOutputStream(Channels.newOutputStream(ch), 256 * 1024), cancelled);
            data.writeTo(counting);
            counting.flush();
            long dataLength = counting.count;
            // The data length is the header's last field.
            writeAll(ch, ByteBuffer.allocate(8).putLong(0, dataLength), header.length - 8);
            long end = header.length + dataLength;
            CRC32C crc = new CRC32C();
            ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
            for (long position = 0; position < end; ) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                int n = ch.read(buffer, position);
                if (n < 0) {
                    throw new IOException("snapshot file shorter than written");
                }
                buffer.flip();
                crc.update(buffer);
                position += n;
            }
            writeAll(ch, ByteBuffer.allocate(4).putInt(0, (int) crc.getValue()), end);
            ch.force(true);
            SnapshotFormat.Header h = publish(tmp, new SnapshotFormat.Header(index, term, membership, end + 4),
                    cancelled);
            published = true;
            return h;
        } catch (IOException e) {
            throw new LogStoreException("cannot write snapshot " + index + " in " + dir + ": " + e, e);
        } finally {
            if (!published) {
                deleteQuietly(tmp); // also when the data threw a RuntimeException: leave no temporary file behind
            }
        }
    }

    /** Writes a chunk of a snapshot sent by the leader; offset 0 starts a new one. */
    void receiveChunk(long offset, byte[] bytes) {
        Path tmp = dir.resolve(RECEIVING);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (offset == 0) {
                ch.truncate(0);
            }
            ch.write(ByteBuffer.wrap(bytes), offset);
        } catch (IOException e) {
            throw new LogStoreException("cannot write received snapshot chunk to " + tmp + ": " + e, e);
        }
    }

    /** Verifies and keeps the received snapshot; throws {@link CorruptLogException} if it is damaged. */
    SnapshotFormat.Header finishReceiving() {
        Path tmp = dir.resolve(RECEIVING);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            SnapshotFormat.Header h = verify(tmp);
            Path named = dir.resolve("snapshot-" + h.index() + ".tmp");
            Files.move(tmp, named, StandardCopyOption.REPLACE_EXISTING);
            return publish(named);
        } catch (CorruptLogException e) {
            deleteQuietly(tmp);
            throw e;
        } catch (IOException e) {
            throw new LogStoreException("cannot keep received snapshot " + tmp + ": " + e, e);
        }
    }

    /**
     * Restores the state machine from a snapshot file, telling it the index the snapshot covers
     * ({@link StateMachine#restoreSnapshot(InputStream, long)}), so a state machine that keeps its state on disk
     * records it with the data.
     */
    void restore(SnapshotFormat.Header h, StateMachine sm) {
        Path file = pathOf(SNAPSHOT, h);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            DataInputStream in = new DataInputStream(raw);
            in.skipNBytes(SnapshotFormat.headerLength(h.membership()));
            long dataLength = h.size() - SnapshotFormat.headerLength(h.membership()) - 4;
            sm.restoreSnapshot(new BoundedInputStream(in, dataLength), h.index());
        } catch (IOException e) {
            throw new LogStoreException("cannot restore the state machine from " + file + ": " + e, e);
        }
    }

    private SnapshotFormat.Header publish(Path tmp) throws IOException {
        return publish(tmp, verify(tmp), () -> false);
    }

    /**
     * Renames a complete, fsynced temporary file to its final name, makes the rename durable, publishes the header
     * and prunes. Two threads publish: the snapshot writer (the member's own snapshots) and the event loop (snapshots
     * received from a leader), hence the lock. Without it, the check-then-set of {@code latest} could go backwards —
     * the writer publishing its older snapshot V just after the loop published a received X > V — and the member would
     * then offer followers V, which its log (reset at X) no longer continues, so they could never catch up. Readers
     * ({@link #latest()}, {@link #read}) take no lock: {@code latest} is volatile and set only once its file is
     * durable under its final name, and only after that does pruning remove older files (never the newest two by
     * index, so never {@code latest}; a chunk read of a pruned one answers null and the transfer starts over with the
     * newest, Raft §7).
     */
    private synchronized SnapshotFormat.Header publish(Path tmp, SnapshotFormat.Header h, BooleanSupplier cancelled)
            throws IOException {
        if (cancelled.getAsBoolean()) {
            throw new InterruptedIOException("snapshot write cancelled");
        }
        Files.move(tmp, pathOf(SNAPSHOT, h), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory();
        SnapshotFormat.Header current = latest;
        if (current == null || h.index() >= current.index()) {
            latest = h;
        }
        prune();
        return h;
    }

    private void prune() throws IOException {
        for (String kind : List.of(SNAPSHOT, CHECKPOINT)) {
            List<Path> all = newestFirst(kind);
            for (int i = KEEP; i < all.size(); i++) {
                Files.deleteIfExists(all.get(i));
            }
        }
    }

    /** The newest file of a kind that passes its checksum, or null; damaged ones are named in the log and skipped. */
    private SnapshotFormat.Header newestValid(String kind) throws IOException {
        for (Path candidate : newestFirst(kind)) {
            try {
                return verify(candidate);
            } catch (CorruptLogException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage() + "; trying an older " + kind);
            }
        }
        return null;
    }

    private List<Path> newestFirst(String kind) throws IOException {
        List<Path> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().matches(kind + "-\\d+-\\d+\\.snap")).forEach(out::add);
        }
        out.sort(Comparator.comparingLong(SnapshotFiles::indexOf).reversed());
        return out;
    }

    private static long indexOf(Path p) {
        return Long.parseLong(p.getFileName().toString().split("-")[1]);
    }

    private Path pathOf(String kind, SnapshotFormat.Header h) {
        return dir.resolve(kind + "-" + h.index() + "-" + h.term() + ".snap");
    }

    /** Reads a whole snapshot file, checking its structure and checksum without holding its data in memory. */
    private static SnapshotFormat.Header verify(Path file) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            long size = Files.size(file);
            CRC32C crc = new CRC32C();
            byte[] buffer = new byte[64 * 1024];
            long remaining = size - 4;
            if (remaining < SnapshotFormat.FIXED_HEADER_BYTES) {
                throw new CorruptLogException(file.toString(), -1, "snapshot file is truncated (" + size + " bytes)");
            }
            ByteBuffer head = null;
            while (remaining > 0) {
                int n = raw.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new CorruptLogException(file.toString(), -1, "snapshot file is truncated");
                }
                if (head == null) {
                    head = ByteBuffer.wrap(buffer.clone(), 0, n);
                }
                crc.update(buffer, 0, n);
                remaining -= n;
            }
            byte[] stored = raw.readNBytes(4);
            if (stored.length != 4 || ByteBuffer.wrap(stored).getInt() != (int) crc.getValue()) {
                throw new CorruptLogException(file.toString(), -1, "snapshot checksum mismatch");
            }
            return SnapshotFormat.parseHeader(head.array(), size);
        } catch (IllegalArgumentException e) {
            throw new CorruptLogException(file.toString(), -1, e.getMessage());
        } catch (IOException e) {
            throw new LogStoreException("cannot read snapshot " + file + ": " + e, e);
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            position += ch.write(b, position);
        }
    }

    private void fsyncDirectory() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a leftover .tmp file is removed at the next open
        }
    }

    /** Counts the data bytes, and fails the writer once its write is cancelled. */
    private static final class CountingOutputStream extends FilterOutputStream {
        private final BooleanSupplier cancelled;
        long count;

        CountingOutputStream(OutputStream out, BooleanSupplier cancelled) {
            super(out);
            this.cancelled = cancelled;
        }

        @Override
        public void write(int b) throws IOException {
            checkCancelled();
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            checkCancelled();
            out.write(b, off, len);
            count += len;
        }

        private void checkCancelled() throws IOException {
            if (cancelled.getAsBoolean()) {
                throw new InterruptedIOException("snapshot write cancelled");
            }
        }
    }

    /** Hands the state machine exactly the data section, so it cannot read into the checksum. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
