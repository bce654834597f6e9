package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * A checksummed record format for log stores built on a key-value engine (Flotilla's RocksDB and LMDB stores use it;
 * a third-party store may too). Keys are big-endian indexes, so bytewise key order is log order. Every value starts
 * with a CRC32C; an entry's checksum also covers its index (taken from the key), so a value found
 * under the wrong key fails the check too.
 *
 * <pre>
 * entry:    crc32c(index, term, kind, payload) int | term long | kind byte | payload
 * boundary: crc32c(rest) int | index long | term long            (the compaction boundary: firstIndex - 1)
 * state:    crc32c(rest) int | term long | votedFor length int (-1 = none) | votedFor UTF-8
 * </pre>
 */
public final class EntryRecords {

    /** Bytes before an entry's payload: checksum, term and kind. */
    public static final int ENTRY_HEADER = 4 + 8 + 1;
    private static final EntryKind[] KINDS = EntryKind.values();

    private EntryRecords() {
    }

    /**
     * Returns the key of an index.
     *
     * @param index a log index
     * @return its 8-byte big-endian key
     */
    public static byte[] key(long index) {
        return ByteBuffer.allocate(8).putLong(index).array();
    }

    /**
     * Returns the index of a key.
     *
     * @param key a key made by {@link #key(long)}
     * @return the index
     */
    public static long index(byte[] key) {
        return ByteBuffer.wrap(key).getLong();
    }

    /**
     * Encodes an entry with its checksum (which also covers the index, kept in the key).
     *
     * @param e the entry
     * @return the value to store under {@link #key(long)}
     */
    public static byte[] encode(LogEntry e) {
        ByteBuffer buf = ByteBuffer.allocate(ENTRY_HEADER + e.size());
        buf.putInt(entryCrc(e.index(), e.term(), (byte) e.kind().ordinal(), e.payload(), 0, e.size()));
        buf.putLong(e.term()).put((byte) e.kind().ordinal()).put(e.payload());
        return buf.array();
    }

    /**
     * Decodes and checks an entry.
     *
     * @param where names the store (e.g. its path) in the exception
     * @param index the index the value was found under
     * @param value the stored value, or null if none was found (a gap)
     * @return the entry
     * @throws CorruptLogException if the value is missing, truncated or fails its checksum
     */
    public static LogEntry decode(String where, long index, byte[] value) {
        long term = check(where, index, value);
        byte[] payload = new byte[value.length - ENTRY_HEADER];
        System.arraycopy(value, ENTRY_HEADER, payload, 0, payload.length);
        return new LogEntry(index, term, KINDS[value[ENTRY_HEADER - 1]], payload);
    }

    /**
     * Returns an entry's term, after checking the whole value: a term from a damaged entry would mislead the
     * consistency check of Raft §5.3.
     *
     * @param where names the store in the exception
     * @param index the index the value was found under
     * @param value the stored value
     * @return the term
     * @throws CorruptLogException if the value is damaged
     */
    public static long term(String where, long index, byte[] value) {
        return check(where, index, value); // no payload copy: stores call this for every termAt
    }

    /** Checks a stored entry (presence, length, checksum, kind and term) and returns its term. */
    private static long check(String where, long index, byte[] value) {
        if (value == null) {
            throw new CorruptLogException(where, index, "entry missing (gap in the log)");
        }
        if (value.length < ENTRY_HEADER) {
            throw new CorruptLogException(where, index, "entry truncated to " + value.length + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(value);
        int crc = buf.getInt();
        long term = buf.getLong();
        byte kind = buf.get();
        if (crc != entryCrc(index, term, kind, value, ENTRY_HEADER, value.length - ENTRY_HEADER)) {
            throw new CorruptLogException(where, index, "checksum mismatch");
        }
        if (kind < 0 || kind >= KINDS.length || term < 1) {
            throw new CorruptLogException(where, index, "invalid kind " + kind + " or term " + term);
        }
        return term;
    }

    /**
     * Encodes the compaction boundary (the index before the first entry held, and its term).
     *
     * @param index the boundary index
     * @param term  its term
     * @return the checksummed value
     */
    public static byte[] encodeBoundary(long index, long term) {
        ByteBuffer buf = ByteBuffer.allocate(4 + 16);
        buf.position(4);
        buf.putLong(index).putLong(term);
        return sealed(buf);
    }

    /**
     * Decodes the compaction boundary.
     *
     * @param where names the store in the exception
     * @param value the stored value
     * @return {index, term}
     * @throws CorruptLogException if the value is damaged
     */
    public static long[] decodeBoundary(String where, byte[] value) {
        ByteBuffer buf = unsealed(where, value, 20);
        return new long[] {buf.getLong(), buf.getLong()};
    }

    /**
     * Encodes the persistent state (term and vote).
     *
     * @param state the state
     * @return the checksummed value
     */
    public static byte[] encodeState(PersistentState state) {
        byte[] vote = state.votedFor() == null ? null : state.votedFor().value().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(4 + 8 + 4 + (vote == null ? 0 : vote.length));
        buf.position(4);
        buf.putLong(state.term()).putInt(vote == null ? -1 : vote.length);
        if (vote != null) {
            buf.put(vote);
        }
        return sealed(buf);
    }

    /**
     * Decodes the persistent state.
     *
     * @param where names the store in the exception
     * @param value the stored value
     * @return the state
     * @throws CorruptLogException if the value is damaged
     */
    public static PersistentState decodeState(String where, byte[] value) {
        ByteBuffer buf = unsealed(where, value, 16);
        long term = buf.getLong();
        int length = buf.getInt();
        if (length < -1 || length > buf.remaining()) {
            throw new CorruptLogException(where, -1, "persistent state has a bad vote length " + length);
        }
        NodeId vote = null;
        if (length >= 0) {
            byte[] bytes = new byte[length];
            buf.get(bytes);
            vote = NodeId.of(new String(bytes, StandardCharsets.UTF_8));
        }
        return new PersistentState(term, vote);
    }

    private static byte[] sealed(ByteBuffer buf) {
        byte[] bytes = buf.array();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 4, bytes.length - 4);
        buf.putInt(0, (int) crc.getValue());
        return bytes;
    }

    private static ByteBuffer unsealed(String where, byte[] value, int minLength) {
        if (value.length < minLength) {
            throw new CorruptLogException(where, -1, "metadata truncated to " + value.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(value, 4, value.length - 4);
        ByteBuffer buf = ByteBuffer.wrap(value);
        if (buf.getInt() != (int) crc.getValue()) {
            throw new CorruptLogException(where, -1, "metadata checksum mismatch");
        }
        return buf;
    }

    private static int entryCrc(long index, long term, byte kind, byte[] payload, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(17).putLong(index).putLong(term).put(kind).flip());
        crc.update(payload, offset, length);
        return (int) crc.getValue();
    }
}
