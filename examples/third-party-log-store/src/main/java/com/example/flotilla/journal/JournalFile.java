package com.example.flotilla.journal;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import io.flotilla.raft.api.spi.CorruptLogException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.LongSupplier;

/**
 * The journal file: an 8-byte header ({@code "FJNL"}, version 1), then {@link Frames}, appended and never changed in
 * place. A new or rewritten file is written as {@code journal.tmp}, forced, and renamed over {@code journal}, and the
 * directory is forced: a crash leaves either the old file or the complete new one.
 *
 * <h2>Recovery</h2>
 * Opening reads every frame from the start. A crash can damage only the write that was under way, and that write is
 * the file's last frame; it was never acknowledged, because a write returns only after its frame is forced. So:
 * <ul>
 *   <li>a last frame cut short (its header or body runs past the end of the file) is dropped: a process killed in
 *       the middle of a write leaves exactly this;</li>
 *   <li>a last frame that fails its body checksum, and a damaged header followed only by zeros, are dropped too: an
 *       operating system crash can persist a write's length before all of its bytes;</li>
 *   <li>any other damage fails with {@link CorruptLogException}: a frame followed by other frames was forced long
 *       ago, and skipping it would lose acknowledged entries or votes.</li>
 * </ul>
 * The one ambiguity left is a last frame damaged on disk after it was acknowledged: it looks exactly like a torn
 * write, and is dropped like one (a write-ahead log cannot tell them apart).
 */
final class JournalFile implements AutoCloseable {

    static final String NAME = "journal";
    static final String TEMP_NAME = "journal.tmp";
    static final int FILE_HEADER = 8;
    private static final int MAGIC = 0x464A4E4C; // "FJNL"
    private static final int VERSION = 1;
    private static final System.Logger LOG = System.getLogger(JournalFile.class.getName());

    private final FileChannel channel;
    private final boolean sync;
    private Path path;
    private long end;

    private JournalFile(Path path, FileChannel channel, boolean sync, long end) {
        this.path = path;
        this.channel = channel;
        this.sync = sync;
        this.end = end;
    }

    /**
     * Opens the journal in a directory, creating an empty one if there is none. Call {@link #recover} next.
     *
     * @param directory the store's directory
     * @param sync      whether {@link #force()} forces
     * @return the open file
     * @throws IOException         if it cannot be read or created
     * @throws CorruptLogException if the file is not a journal
     */
    static JournalFile open(Path directory, boolean sync) throws IOException {
        // A temporary file is a creation or rewrite that was never renamed, so the journal it was to replace (or no
        // journal at all) is what was acknowledged: it goes.
        Files.deleteIfExists(directory.resolve(TEMP_NAME));
        Path path = directory.resolve(NAME);
        if (Files.notExists(path)) {
            JournalFile created = createTemp(directory, sync);
            created.commit();
            return created;
        }
        FileChannel channel = FileChannel.open(path, READ, WRITE);
        try {
            ByteBuffer header = ByteBuffer.allocate(FILE_HEADER);
            if (channel.size() < FILE_HEADER || readFully(channel, header, 0) < FILE_HEADER
                    || header.getInt(0) != MAGIC) {
                throw new CorruptLogException(path.toString(), -1, "not a journal file (no \"FJNL\" header)");
            }
            if (header.getInt(4) != VERSION) {
                throw new CorruptLogException(path.toString(), -1, "journal format version " + header.getInt(4)
                        + " is not supported (this store writes version " + VERSION + ")");
            }
            return new JournalFile(path, channel, sync, channel.size());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Creates {@code journal.tmp} holding only the file header; {@link #commit()} makes it the journal.
     *
     * @param directory the store's directory
     * @param sync      whether {@link #force()} forces
     * @return the new file
     * @throws IOException if it cannot be created
     */
    static JournalFile createTemp(Path directory, boolean sync) throws IOException {
        Path path = directory.resolve(TEMP_NAME);
        FileChannel channel = FileChannel.open(path, CREATE, TRUNCATE_EXISTING, READ, WRITE);
        JournalFile file = new JournalFile(path, channel, sync, 0);
        try {
            file.append(ByteBuffer.allocate(FILE_HEADER).putInt(MAGIC).putInt(VERSION).flip());
            return file;
        } catch (IOException | RuntimeException e) {
            file.discard();
            throw e;
        }
    }

    /** Handles one intact frame during recovery. */
    interface FrameHandler {
        /**
         * Applies a frame.
         *
         * @param type       the frame type
         * @param body       the body, checksum verified
         * @param bodyOffset where the body starts in the file
         */
        void frame(byte type, ByteBuffer body, long bodyOffset);
    }

    /**
     * Reads every frame in order, handing each intact one to the handler, and drops a write a crash interrupted
     * (see the class comment); afterwards new frames go after the last intact one.
     *
     * @param handler   applies the frames
     * @param nextIndex the index the log would take next, named when a frame is damaged
     * @throws IOException         if the file cannot be read
     * @throws CorruptLogException if a frame other than the last is damaged
     */
    void recover(FrameHandler handler, LongSupplier nextIndex) throws IOException {
        long size = channel.size();
        long position = FILE_HEADER;
        while (position < size) {
            if (size - position < Frames.HEADER) {
                dropTornWrite(position, size, "a frame header cut short");
                return;
            }
            Frames.Header header = Frames.header(read(position, Frames.HEADER));
            if (header == null) {
                if (zerosFrom(position, size)) {
                    dropTornWrite(position, size, "zeros where a frame should start");
                    return;
                }
                throw new CorruptLogException(path.toString(), nextIndex.getAsLong(),
                        "frame header at byte " + position + " fails its checksum");
            }
            if (header.bodyLength() < 0) {
                // The header passed its checksum, so this is no disk damage: another program wrote the file.
                throw new CorruptLogException(path.toString(), -1, "malformed frame at byte " + position
                        + ": body length " + header.bodyLength());
            }
            long bodyOffset = position + Frames.HEADER;
            long frameEnd = bodyOffset + header.bodyLength();
            if (frameEnd > size) {
                dropTornWrite(position, size, "a frame cut short");
                return;
            }
            ByteBuffer body = read(bodyOffset, header.bodyLength());
            if (!header.matches(body)) {
                if (frameEnd == size) {
                    dropTornWrite(position, size, "a last frame that fails its checksum");
                    return;
                }
                throw new CorruptLogException(path.toString(), nextIndex.getAsLong(), "frame at byte " + position
                        + " fails its checksum (the entries it holds, from about this index, are unreadable)");
            }
            handler.frame(header.type(), body, bodyOffset);
            position = frameEnd;
        }
        end = position;
    }

    /**
     * Writes a frame after the last one. It is durable only after {@link #force()}.
     *
     * @param frame the frame's bytes
     * @return the offset of its first byte
     * @throws IOException if the write fails
     */
    long append(ByteBuffer frame) throws IOException {
        long at = end;
        long position = at;
        while (frame.hasRemaining()) {
            position += channel.write(frame, position);
        }
        end = position;
        return at;
    }

    /**
     * Makes every appended frame durable: {@code fdatasync}, which also flushes the file's new length. Does nothing
     * with the unsafe {@code sync=false}.
     *
     * @throws IOException if the disk reports a failure
     */
    void force() throws IOException {
        if (sync) {
            channel.force(false);
        }
    }

    /**
     * Makes this temporary file the journal: forces it, renames it over {@code journal} and forces the directory, so
     * that the rename itself survives a crash. It forces even with {@code sync=false}: a rename reaching the disk
     * before the data would replace the whole log with a partly written file.
     *
     * @throws IOException if any step fails; the old journal is then intact unless the rename already happened
     */
    void commit() throws IOException {
        channel.force(true);
        Path target = path.resolveSibling(NAME);
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        path = target;
        forceDirectory(target.getParent());
    }

    /**
     * Reads bytes the index points at.
     *
     * @param offset where they start
     * @param length how many
     * @return them
     * @throws IOException if the file is shorter or cannot be read
     */
    ByteBuffer read(long offset, int length) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(length);
        if (readFully(channel, bytes, offset) < length) {
            throw new EOFException(path + ": " + length + " bytes at " + offset + " run past the end of the file");
        }
        return bytes.flip();
    }

    /** {@return the length of the file's intact part: where the next frame goes} */
    long end() {
        return end;
    }

    /** Closes this file and, if it was never renamed into place, deletes it. */
    void discard() {
        try {
            channel.close();
            if (path.endsWith(TEMP_NAME)) { // a commit that failed after its rename leaves the journal it made
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // Best effort: a leftover temporary file is deleted at the next open.
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Forces a directory, so that files created, renamed or deleted in it stay so after a crash.
     *
     * @param directory the directory
     * @throws IOException if the disk reports a failure
     */
    static void forceDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, READ)) {
            dir.force(true);
        }
    }

    private void dropTornWrite(long position, long size, String what) throws IOException {
        LOG.log(System.Logger.Level.WARNING, path + ": dropping " + (size - position) + " bytes at byte " + position
                + ", " + what + ": a write that a crash interrupted before it was acknowledged");
        // Forced before anything is appended: a new frame written over part of the old tail must never be followed
        // by the rest of it after another crash.
        channel.truncate(position);
        channel.force(true);
        end = position;
    }

    private boolean zerosFrom(long position, long size) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
        for (long at = position; at < size; at += chunk.limit()) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), size - at));
            if (readFully(channel, chunk, at) < chunk.limit()) {
                return false;
            }
            for (int i = 0; i < chunk.limit(); i++) {
                if (chunk.get(i) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static int readFully(FileChannel channel, ByteBuffer into, long offset) throws IOException {
        int total = 0;
        while (into.hasRemaining()) {
            int n = channel.read(into, offset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }
}
