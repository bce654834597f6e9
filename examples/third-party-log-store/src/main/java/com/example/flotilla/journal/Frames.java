package com.example.flotilla.journal;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.EntryRecords;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The frame format. One frame records one mutating call, so a call is atomic exactly when its frame is: a frame
 * either passes its checksums whole or is not applied at all.
 *
 * <pre>
 * frame:    headerCrc int | bodyLength int | type byte | bodyCrc int | body
 * ENTRIES:  hasState byte | [stateLength int | state] | firstIndex long | count int | (recordLength int | record)*
 * TRUNCATE: fromIndex long
 * COMPACT:  throughIndex long | term long
 * RESET:    index long | term long
 * </pre>
 *
 * {@code headerCrc} is a CRC32C of the rest of the header, {@code bodyCrc} one of the body. The header has its own
 * checksum so that damage to a length is recognised as damage, instead of passing for a frame cut short by a crash
 * (which recovery drops). {@code state} and {@code record} are {@link EntryRecords}' encodings: each entry carries its
 * own CRC32C, which also covers its index, so reads check every entry again.
 */
final class Frames {

    /** The persistent state (optional) and entries from an index, replacing any entries held from there on. */
    static final byte ENTRIES = 1;
    /** Removes the entries from an index on. */
    static final byte TRUNCATE = 2;
    /** Discards the entries through an index, remembering the term at that index. */
    static final byte COMPACT = 3;
    /** Discards every entry; the log restarts after an index and term (a snapshot installed). */
    static final byte RESET = 4;

    /** Bytes of a frame before its body. */
    static final int HEADER = 4 + 4 + 1 + 4;

    private Frames() {
    }

    /**
     * An encoded frame, header included, and where each entry's record lies in it.
     *
     * @param bytes          the whole frame, ready to write
     * @param recordOffsets  per entry, where its record starts, counted from the frame's first byte
     * @param recordLengths  per entry, the record's length
     */
    record Encoded(ByteBuffer bytes, int[] recordOffsets, int[] recordLengths) {
    }

    /**
     * A frame header that passed its checksum.
     *
     * @param bodyLength the body's length
     * @param type       the frame type
     * @param bodyCrc    the body's expected checksum
     */
    record Header(int bodyLength, byte type, int bodyCrc) {

        /** {@return whether a body read from the file is the one this header announced} */
        boolean matches(ByteBuffer body) {
            return crc(body.duplicate()) == bodyCrc;
        }
    }

    /**
     * A decoded ENTRIES frame.
     *
     * @param state      the persistent state it saves, or null
     * @param firstIndex the index of its first entry (where it replaces the log's suffix)
     * @param terms      per entry, its term
     * @param offsets    per entry, where its record starts in the file
     * @param lengths    per entry, the record's length
     */
    record EntriesFrame(PersistentState state, long firstIndex, long[] terms, long[] offsets, int[] lengths) {
    }

    static Encoded entries(PersistentState state, long firstIndex, List<LogEntry> entries) {
        byte[] stateRecord = state == null ? null : EntryRecords.encodeState(state);
        byte[][] records = new byte[entries.size()][];
        int bodyLength = 1 + (stateRecord == null ? 0 : 4 + stateRecord.length) + 8 + 4;
        for (int i = 0; i < records.length; i++) {
            records[i] = EntryRecords.encode(entries.get(i));
            bodyLength = Math.addExact(bodyLength, 4 + records[i].length);
        }
        ByteBuffer frame = ByteBuffer.allocate(Math.addExact(HEADER, bodyLength));
        frame.position(HEADER);
        frame.put((byte) (stateRecord == null ? 0 : 1));
        if (stateRecord != null) {
            frame.putInt(stateRecord.length).put(stateRecord);
        }
        frame.putLong(firstIndex).putInt(records.length);
        int[] offsets = new int[records.length];
        int[] lengths = new int[records.length];
        for (int i = 0; i < records.length; i++) {
            frame.putInt(records[i].length);
            offsets[i] = frame.position();
            lengths[i] = records[i].length;
            frame.put(records[i]);
        }
        return new Encoded(seal(frame, ENTRIES), offsets, lengths);
    }

    static Encoded truncate(long fromIndex) {
        return small(TRUNCATE, ByteBuffer.allocate(HEADER + 8).position(HEADER).putLong(fromIndex));
    }

    static Encoded compact(long throughIndex, long term) {
        return small(COMPACT, ByteBuffer.allocate(HEADER + 16).position(HEADER).putLong(throughIndex).putLong(term));
    }

    static Encoded reset(long index, long term) {
        return small(RESET, ByteBuffer.allocate(HEADER + 16).position(HEADER).putLong(index).putLong(term));
    }

    /**
     * Reads a frame header.
     *
     * @param header the {@link #HEADER} bytes at a frame's start
     * @return the header, or null if it fails its checksum
     */
    static Header header(ByteBuffer header) {
        int expected = header.getInt(0);
        if (crc(header.duplicate().position(4)) != expected) {
            return null;
        }
        return new Header(header.getInt(4), header.get(8), header.getInt(9));
    }

    /**
     * Decodes the body of an ENTRIES frame that passed its checksum, checking every entry's own checksum too.
     *
     * @param where      the file, for exceptions
     * @param body       the body
     * @param bodyOffset where the body starts in the file
     * @return the frame
     * @throws CorruptLogException if the body does not parse, or an entry fails its check
     */
    static EntriesFrame decodeEntries(String where, ByteBuffer body, long bodyOffset) {
        try {
            byte hasState = body.get();
            PersistentState state = null;
            if (hasState == 1) {
                byte[] stateRecord = new byte[length(body, where, bodyOffset)];
                body.get(stateRecord);
                state = EntryRecords.decodeState(where, stateRecord);
            } else if (hasState != 0) {
                throw malformed(where, bodyOffset, "state flag " + hasState);
            }
            long firstIndex = body.getLong();
            int count = body.getInt();
            if (count < 0 || count > body.remaining() / (4 + EntryRecords.ENTRY_HEADER)) {
                throw malformed(where, bodyOffset, "entry count " + count);
            }
            long[] terms = new long[count];
            long[] offsets = new long[count];
            int[] lengths = new int[count];
            for (int i = 0; i < count; i++) {
                byte[] record = new byte[length(body, where, bodyOffset)];
                offsets[i] = bodyOffset + body.position();
                lengths[i] = record.length;
                body.get(record);
                terms[i] = EntryRecords.term(where, firstIndex + i, record);
            }
            if (body.hasRemaining()) {
                throw malformed(where, bodyOffset, body.remaining() + " bytes after the last entry");
            }
            return new EntriesFrame(state, firstIndex, terms, offsets, lengths);
        } catch (BufferUnderflowException e) {
            throw malformed(where, bodyOffset, "a length runs past the frame's end");
        }
    }

    /** Reads a length and checks that so many bytes follow, so a bad one cannot ask for a huge array. */
    private static int length(ByteBuffer body, String where, long bodyOffset) {
        int length = body.getInt();
        if (length < 0 || length > body.remaining()) {
            throw malformed(where, bodyOffset, "length " + length + " with " + body.remaining() + " bytes left");
        }
        return length;
    }

    private static CorruptLogException malformed(String where, long bodyOffset, String what) {
        // The body passed its checksum, so this is not disk damage: the file was not written by this store.
        return new CorruptLogException(where, -1, "malformed frame at byte " + (bodyOffset - HEADER) + ": " + what);
    }

    private static Encoded small(byte type, ByteBuffer frame) {
        return new Encoded(seal(frame, type), new int[0], new int[0]);
    }

    /** Fills in the header of a frame whose body is written, and returns it ready to be written out. */
    private static ByteBuffer seal(ByteBuffer frame, byte type) {
        int bodyLength = frame.position() - HEADER;
        frame.putInt(4, bodyLength).put(8, type).putInt(9, crc(frame.duplicate().flip().position(HEADER)));
        frame.putInt(0, crc(frame.duplicate().position(4).limit(HEADER)));
        return frame.flip();
    }

    private static int crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }
}
