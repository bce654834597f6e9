package io.flotilla.raft.core.protocol;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The serialized form of a snapshot, the same on disk and on the wire: a header (magic, version, last included index
 * and term, the membership at that index), the state machine's bytes, and a CRC32C over everything before it, so a
 * damaged or truncated snapshot is always detected.
 *
 * <pre>
 * "FLSN" | version u8 | index i64 | term i64 | membership length i32 | membership | data length i64 | data | crc32c i32
 * </pre>
 */
public final class SnapshotFormat {

    private static final int MAGIC = 0x464c534e; // "FLSN"
    private static final byte VERSION = 1;
    /** Bytes before the membership: magic, version, index, term, membership length. */
    static final int FIXED_HEADER = 4 + 1 + 8 + 8 + 4;
    /** The shortest possible header, with an empty membership and the data length. */
    public static final int FIXED_HEADER_BYTES = FIXED_HEADER + 8;

    private SnapshotFormat() {
    }

    /**
     * What a snapshot covers.
     *
     * @param index      the last log index it includes
     * @param term       the term of that entry
     * @param membership the configuration (with addresses) in force at {@code index}
     * @param size       the length of the serialized snapshot in bytes
     */
    public record Header(long index, long term, MembershipCodec.Membership membership, long size) {
    }

    /**
     * Serializes a snapshot held in memory.
     *
     * @param index      last included index
     * @param term       its term
     * @param membership configuration at {@code index}
     * @param data       the state machine's snapshot
     * @return the serialized snapshot
     */
    public static byte[] encode(long index, long term, MembershipCodec.Membership membership, byte[] data) {
        byte[] header = header(index, term, membership, data.length);
        ByteBuffer out = ByteBuffer.allocate(header.length + data.length + 4);
        out.put(header).put(data);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /**
     * Returns the header bytes for a snapshot whose data will follow (for writers that stream the data).
     *
     * @param index      last included index
     * @param term       its term
     * @param membership configuration at {@code index}
     * @param dataLength length of the data that follows
     * @return the header bytes
     */
    public static byte[] header(long index, long term, MembershipCodec.Membership membership, long dataLength) {
        byte[] members = MembershipCodec.encode(membership.config(), membership.addresses());
        ByteBuffer out = ByteBuffer.allocate(FIXED_HEADER + members.length + 8);
        out.putInt(MAGIC).put(VERSION).putLong(index).putLong(term).putInt(members.length).put(members)
                .putLong(dataLength);
        return out.array();
    }

    /**
     * Returns the length of the header (everything before the data) for a membership.
     *
     * @param membership the membership recorded in the header
     * @return the header length in bytes
     */
    public static int headerLength(MembershipCodec.Membership membership) {
        return FIXED_HEADER + MembershipCodec.encode(membership.config(), membership.addresses()).length + 8;
    }

    /**
     * Parses the header at the start of a serialized snapshot whose checksum the caller has verified.
     *
     * @param start     the first bytes of the snapshot (at least the whole header)
     * @param totalSize the length of the whole serialized snapshot
     * @return the header
     * @throws IllegalArgumentException if the bytes are not a snapshot header
     */
    public static Header parseHeader(byte[] start, long totalSize) {
        try {
            ByteBuffer in = ByteBuffer.wrap(start);
            if (in.getInt() != MAGIC) {
                throw new IllegalArgumentException("not a Flotilla snapshot (bad magic)");
            }
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown snapshot version " + version);
            }
            long index = in.getLong();
            long term = in.getLong();
            int membersLength = in.getInt();
            if (membersLength < 0 || membersLength > in.remaining()) {
                throw new IllegalArgumentException("bad membership length " + membersLength);
            }
            byte[] members = new byte[membersLength];
            in.get(members);
            long dataLength = in.getLong();
            if (dataLength != totalSize - in.position() - 4) {
                throw new IllegalArgumentException("header promises " + dataLength + " data bytes, file has "
                        + (totalSize - in.position() - 4));
            }
            return new Header(index, term, MembershipCodec.decode(members), totalSize);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated snapshot header", e);
        }
    }

    /**
     * Parses and verifies a whole serialized snapshot.
     *
     * @param bytes the serialized snapshot
     * @return its header and data
     * @throws IllegalArgumentException naming what is wrong (bad magic, truncation, checksum mismatch)
     */
    public static Decoded decode(byte[] bytes) {
        if (bytes.length < FIXED_HEADER_BYTES + 4) {
            throw new IllegalArgumentException("truncated snapshot (" + bytes.length + " bytes)");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new IllegalArgumentException("snapshot checksum mismatch");
        }
        Header header = parseHeader(bytes, bytes.length);
        // Read from the bytes (checked by parseHeader), not re-encoded from the decoded membership.
        int dataStart = FIXED_HEADER + ByteBuffer.wrap(bytes).getInt(FIXED_HEADER - 4) + 8;
        return new Decoded(header, java.util.Arrays.copyOfRange(bytes, dataStart, bytes.length - 4));
    }

    /**
     * A verified snapshot.
     *
     * @param header what it covers
     * @param data   the state machine's bytes
     */
    public record Decoded(Header header, byte[] data) {
    }
}
