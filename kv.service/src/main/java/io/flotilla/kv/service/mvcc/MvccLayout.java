package io.flotilla.kv.service.mvcc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * How the MVCC state is laid out in the backend's tables. etcd keeps one bbolt bucket keyed by revision and an
 * in-memory index of every key's revisions (its treeIndex); here the index is on disk too, so a member's heap does
 * not grow with the number of keys:
 *
 * <ul>
 *   <li>{@value #KEYS}: user key → its index entry: the revision of its current record, its create revision, version
 *       and lease, 32 bytes ({@link #indexEntry}); deleted keys are absent. This is etcd's treeIndex, on disk: a put
 *       reads only this small entry (never the previous value) to learn the create revision and version, and it stays
 *       small enough for the block cache with millions of keys. Reads at the current revision find the record through
 *       it in {@value #HISTORY}.</li>
 *   <li>{@value #HISTORY}: {@code escaped(user key) 0x00 0x01 ~revision} → the record written at that revision (an
 *       encoded {@code mvccpb.KeyValue}, the only place a value is stored), or an empty value for a delete (a
 *       tombstone). The escaping keeps user keys in their unsigned-byte order even
 *       when one is a prefix of another, and the inverted revision puts a key's newest change first, so a read at
 *       revision R is one seek to {@code (key, ~R)}.</li>
 *   <li>{@value #REVISIONS}: {@code revision sub-revision} (big-endian) → a kind byte, the revision of the key's
 *       change before this one (0 if it had none since it was created) and the user key: every change in revision
 *       order, for compaction (and, later, watch catch-up). With the previous revision, compaction needs no search: a
 *       change at or below the compaction revision makes the record it replaced unreachable, and a delete makes
 *       itself unreachable too. Entries up to the finished compaction are removed. Entries written before the
 *       previous revision was recorded have the kinds {@link #KIND_PUT} and {@link #KIND_DELETE} and no revision.</li>
 *   <li>{@value #META}: the applied Raft index, the store revision and the compaction revisions, written in the same
 *       atomic batch as the changes they describe (etcd's consistent index).</li>
 * </ul>
 *
 * <p>Stores written before the key index existed kept every key's current record, value included, in a table
 * {@value #LEGACY_LATEST}; {@link MvccStore} moves such a store to this layout when it opens it.
 */
final class MvccLayout {

    static final String KEYS = "keys";
    /** The table of current records of the earlier layout: empty, except in a store not migrated yet. */
    static final String LEGACY_LATEST = "latest";
    static final String HISTORY = "history";
    static final String REVISIONS = "revisions";
    static final String META = "meta";
    static final String ALARMS = "alarms";
    /** Lease ID (8 bytes) → granted TTL and checkpointed remaining TTL, seconds (8 bytes each). */
    static final String LEASES = "leases";
    /** Lease ID (8 bytes) followed by a user key → nothing: the keys attached to each lease. */
    static final String LEASE_KEYS = "lease_keys";

    /**
     * Every table, in the order a snapshot lists them. The legacy table stays declared so that a store or a snapshot
     * of the earlier layout can still be opened, and then migrated.
     */
    static final List<String> TABLES = List.of(META, KEYS, HISTORY, REVISIONS, ALARMS, LEGACY_LATEST, LEASES,
            LEASE_KEYS);

    /** Returns the {@link #LEASE_KEYS} key of a key attached to a lease. */
    static byte[] leaseKey(long lease, byte[] userKey) {
        return ByteBuffer.allocate(8 + userKey.length).putLong(lease).put(userKey).array();
    }

    static final byte[] APPLIED_INDEX = ascii("applied_index");
    static final byte[] REVISION = ascii("revision");
    static final byte[] SCHEDULED_COMPACT = ascii("scheduled_compact_revision");
    static final byte[] FINISHED_COMPACT = ascii("finished_compact_revision");
    /** Present while a snapshot is being restored: the state is then neither the old one nor the new one. */
    static final byte[] RESTORING = ascii("restoring");

    /** Kinds of {@link #REVISIONS} entries written before the previous revision was recorded: key only. */
    static final byte KIND_PUT = 0;
    static final byte KIND_DELETE = 1;
    /** Kinds of {@link #REVISIONS} entries with the previous revision: {@link #linkedRevisionValue}. */
    static final byte KIND_PUT_LINKED = 2;
    static final byte KIND_DELETE_LINKED = 3;

    /** The size of a {@link #KEYS} entry. */
    static final int INDEX_ENTRY_BYTES = 32;

    /** Bytes after a key's escaped form in {@link #HISTORY}: the two terminator bytes and the revision. */
    private static final int SUFFIX = 2 + 8;

    private MvccLayout() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long readLong(byte[] b) {
        return b == null ? 0 : ByteBuffer.wrap(b).getLong();
    }

    /**
     * Returns the prefix every {@link #HISTORY} key of a user key starts with: the key with each 0x00 written as
     * 0x00 0xFF, then 0x00 0x01. Order-preserving and prefix-free, so all changes of a key sort together and between
     * the keys before and after it.
     */
    static byte[] historyPrefix(byte[] userKey) {
        int zeros = 0;
        for (byte b : userKey) {
            if (b == 0) {
                zeros++;
            }
        }
        byte[] out = new byte[userKey.length + zeros + 2];
        int i = 0;
        for (byte b : userKey) {
            out[i++] = b;
            if (b == 0) {
                out[i++] = (byte) 0xFF;
            }
        }
        out[i++] = 0;
        out[i] = 1;
        return out;
    }

    /** Returns the {@link #HISTORY} key of a change. */
    static byte[] historyKey(byte[] userKey, long revision) {
        byte[] prefix = historyPrefix(userKey);
        return withRevision(prefix, prefix.length, revision);
    }

    /** Returns {@code prefix[0, length)} followed by the inverted revision. */
    static byte[] withRevision(byte[] prefix, int length, long revision) {
        byte[] out = Arrays.copyOf(prefix, length + 8);
        ByteBuffer.wrap(out, length, 8).putLong(Long.MAX_VALUE - revision);
        return out;
    }

    /**
     * Returns {@code prefix[0, length)} followed by eight 0xFF bytes: after every change of that key (inverted
     * revisions are at most {@code Long.MAX_VALUE}, 0x7F...), before the next key.
     */
    static byte[] groupEnd(byte[] prefix, int length) {
        byte[] out = Arrays.copyOf(prefix, length + 8);
        Arrays.fill(out, length, length + 8, (byte) 0xFF);
        return out;
    }

    /** Returns the revision of a {@link #HISTORY} key. */
    static long historyRevision(byte[] historyKey) {
        return Long.MAX_VALUE - ByteBuffer.wrap(historyKey, historyKey.length - 8, 8).getLong();
    }

    /** Returns the length of the key-prefix part (escaped key and terminator) of a {@link #HISTORY} key. */
    static int prefixLength(byte[] historyKey) {
        return historyKey.length - 8;
    }

    /** Returns the user key of a {@link #HISTORY} key. */
    static byte[] userKeyOf(byte[] historyKey) {
        int end = historyKey.length - SUFFIX;
        byte[] out = new byte[end];
        int n = 0;
        for (int i = 0; i < end; i++) {
            out[n++] = historyKey[i];
            if (historyKey[i] == 0) {
                i++; // skip the 0xFF that escapes a zero byte
            }
        }
        return n == end ? out : Arrays.copyOf(out, n);
    }

    /** Returns whether two history keys belong to the same user key. */
    static boolean sameKey(byte[] a, byte[] b) {
        int n = prefixLength(a);
        return n == prefixLength(b) && Arrays.equals(a, 0, n, b, 0, n);
    }

    /**
     * A key's {@link #KEYS} entry.
     *
     * @param modRevision    the revision of its current record (where the record is in {@link #HISTORY})
     * @param createRevision the revision that created it (since its last delete)
     * @param version        the number of changes since it was created
     * @param lease          its lease, 0 for none
     */
    record IndexEntry(long modRevision, long createRevision, long version, long lease) {

        /** {@return the entry of a key's current record} */
        static IndexEntry of(io.flotilla.kv.service.internal.proto.mvcc.KeyValue kv) {
            return new IndexEntry(kv.getModRevision(), kv.getCreateRevision(), kv.getVersion(), kv.getLease());
        }

        /** {@return the entry's stored form: four big-endian longs} */
        byte[] encode() {
            return ByteBuffer.allocate(INDEX_ENTRY_BYTES).putLong(modRevision).putLong(createRevision)
                    .putLong(version).putLong(lease).array();
        }

        /**
         * Reads a stored entry.
         *
         * @param b   the stored bytes
         * @param key the user key, named if the entry is malformed
         * @return the entry
         * @throws IllegalStateException if {@code b} is not an entry
         */
        static IndexEntry decode(byte[] b, byte[] key) {
            if (b.length != INDEX_ENTRY_BYTES) {
                throw new IllegalStateException("malformed key index entry of " + b.length + " bytes for key "
                        + java.util.HexFormat.of().formatHex(key));
            }
            ByteBuffer in = ByteBuffer.wrap(b);
            return new IndexEntry(in.getLong(), in.getLong(), in.getLong(), in.getLong());
        }
    }

    /** Returns the {@link #REVISIONS} key of a change. */
    static byte[] revisionKey(long revision, long sub) {
        return ByteBuffer.allocate(16).putLong(revision).putLong(sub).array();
    }

    static long revisionOf(byte[] revisionKey) {
        return ByteBuffer.wrap(revisionKey).getLong();
    }

    /**
     * Returns a {@link #REVISIONS} value: the kind byte ({@link #KIND_PUT_LINKED} or {@link #KIND_DELETE_LINKED}), the
     * revision of the key's previous change (8 bytes, 0 if none since it was created), then the user key.
     */
    static byte[] linkedRevisionValue(boolean delete, long previousRevision, byte[] userKey) {
        return ByteBuffer.allocate(1 + 8 + userKey.length).put(delete ? KIND_DELETE_LINKED : KIND_PUT_LINKED)
                .putLong(previousRevision).put(userKey).array();
    }

    /** Returns whether a {@link #REVISIONS} value holds the previous revision ({@link #linkedRevisionValue}). */
    static boolean isLinked(byte[] revisionValue) {
        return revisionValue[0] == KIND_PUT_LINKED || revisionValue[0] == KIND_DELETE_LINKED;
    }

    /** Returns the previous revision of a linked {@link #REVISIONS} value. */
    static long previousRevision(byte[] linkedValue) {
        return ByteBuffer.wrap(linkedValue, 1, 8).getLong();
    }

    /** Returns the user key of a {@link #REVISIONS} value, linked or not. */
    static byte[] revisionUserKey(byte[] revisionValue) {
        return Arrays.copyOfRange(revisionValue, isLinked(revisionValue) ? 9 : 1, revisionValue.length);
    }

    /** Returns a {@link #REVISIONS} value of the earlier form: the kind byte, then the user key (tests). */
    static byte[] revisionValue(byte kind, byte[] userKey) {
        byte[] out = new byte[userKey.length + 1];
        out[0] = kind;
        System.arraycopy(userKey, 0, out, 1, userKey.length);
        return out;
    }
}
