package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The multi-version key space, with etcd's revision rules: one store-wide revision that starts at 1 for an empty store;
 * every write batch (a put, a delete that deletes something, a transaction that changes something) raises it by
 * exactly one, and all changes of a batch carry that revision. Each key keeps its history until compaction, so reads
 * can ask for any revision from the compaction point to the current one.
 *
 * <p>Not thread-safe: the Raft engine calls the state machine from one thread.
 */
public final class MvccStore {

    /** The revision of an empty store; the first write makes revision 2. */
    public static final long INITIAL_REVISION = 1;

    private final NavigableMap<ByteString, KeyHistory> keys = new TreeMap<>(KeyRange.KEY_ORDER);
    private long revision = INITIAL_REVISION;
    private long compactRevision;
    private long sizeBytes;

    /** Returns the current revision. */
    public long revision() {
        return revision;
    }

    /** Returns the revision of the last compaction, 0 if none: reads below it fail. */
    public long compactRevision() {
        return compactRevision;
    }

    /** Returns the bytes of keys and values held over all kept revisions. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /**
     * Turns a requested read revision into the one to read at, checking that it is readable.
     *
     * @param requested the revision asked for; 0 or less means {@code current}
     * @param current   the newest revision the reader may see (the store's, or a write batch's read revision)
     * @return the revision to read at
     * @throws KvException {@link KvError#FUTURE_REVISION} above {@code current}, {@link KvError#COMPACTED} below the
     *                     compaction point
     */
    public long readableRevision(long requested, long current) {
        if (requested > current) {
            throw KvError.FUTURE_REVISION.exception();
        }
        long at = requested <= 0 ? current : requested;
        if (at < compactRevision) {
            throw KvError.COMPACTED.exception();
        }
        return at;
    }

    /**
     * Returns the records visible at a revision in a range, in key order.
     *
     * @param range the keys
     * @param at    a revision that {@link #readableRevision} accepted (or the one a write batch reads at)
     * @return the records
     */
    public List<KeyValue> range(KeyRange range, long at) {
        if (range.singleKey()) {
            KeyHistory history = keys.get(range.from());
            KeyValue kv = history == null ? null : history.at(at);
            return kv == null ? List.of() : List.of(kv);
        }
        if (range.isEmpty()) {
            return List.of();
        }
        Map<ByteString, KeyHistory> slice = range.to() == null
                ? keys.tailMap(range.from(), true)
                : keys.subMap(range.from(), true, range.to(), false);
        List<KeyValue> out = new ArrayList<>();
        for (KeyHistory history : slice.values()) {
            KeyValue kv = history.at(at);
            if (kv != null) {
                out.add(kv);
            }
        }
        return out;
    }

    /**
     * Starts a write batch at revision {@code revision() + 1}. Only one batch may be open; {@link WriteBatch#end()}
     * must be called before the store is used otherwise.
     *
     * @return the batch
     */
    public WriteBatch beginWrite() {
        return new WriteBatch();
    }

    /**
     * Discards history older than {@code at}: afterwards reads at revisions below {@code at} fail with
     * {@link KvError#COMPACTED}, reads at {@code at} and later are unchanged. Does not change the revision.
     *
     * @param at the compaction revision
     * @throws KvException {@link KvError#COMPACTED} if {@code at} is not above the last compaction,
     *                     {@link KvError#FUTURE_REVISION} if it is above the current revision
     */
    public void compact(long at) {
        if (at <= compactRevision) {
            throw KvError.COMPACTED.exception();
        }
        if (at > revision) {
            throw KvError.FUTURE_REVISION.exception();
        }
        Iterator<KeyHistory> it = keys.values().iterator();
        while (it.hasNext()) {
            KeyHistory history = it.next();
            sizeBytes -= history.compact(at);
            if (history.isEmpty()) {
                it.remove();
            }
        }
        compactRevision = at;
    }

    /** Returns every key's kept history, in key order, for snapshots (read-only view). */
    Map<ByteString, KeyHistory> histories() {
        return Collections.unmodifiableMap(keys);
    }

    /** Replaces the whole state; for snapshot restore. */
    void reset(long newRevision, long newCompactRevision, Map<ByteString, KeyHistory> newKeys) {
        keys.clear();
        keys.putAll(newKeys);
        revision = newRevision;
        compactRevision = newCompactRevision;
        sizeBytes = 0;
        for (KeyHistory history : keys.values()) {
            for (KeyHistory.Change change : history.changes()) {
                sizeBytes += KeyHistory.sizeOf(change);
            }
        }
    }

    /**
     * The changes of one batch (a put, a delete or a transaction), all at revision {@link #writeRevision()}. Reads
     * through the batch see its own earlier changes, as etcd's transactions do.
     */
    public final class WriteBatch {

        private final long writeRevision = revision + 1;
        private boolean changed;

        private WriteBatch() {
        }

        /** Returns the revision the batch's changes carry. */
        public long writeRevision() {
            return writeRevision;
        }

        /** Returns the revision reads inside the batch see: the batch's own if it changed anything yet. */
        public long readRevision() {
            return changed ? writeRevision : revision;
        }

        /**
         * Returns the current record of a key as the batch sees it.
         *
         * @param key the key
         * @return the record, or null if the key does not exist
         */
        public KeyValue get(ByteString key) {
            KeyHistory history = keys.get(key);
            return history == null ? null : history.latest();
        }

        /**
         * Writes a key: version 1 and a new create revision if it does not exist, else the next version.
         *
         * @param key   the key
         * @param value the value
         * @param lease the lease id (0 for none)
         * @return the record written
         */
        public KeyValue put(ByteString key, ByteString value, long lease) {
            KeyHistory history = keys.computeIfAbsent(key, k -> new KeyHistory());
            KeyValue previous = history.latest();
            KeyValue kv = KeyValue.newBuilder()
                    .setKey(key)
                    .setValue(value)
                    .setLease(lease)
                    .setCreateRevision(previous == null ? writeRevision : previous.getCreateRevision())
                    .setModRevision(writeRevision)
                    .setVersion(previous == null ? 1 : previous.getVersion() + 1)
                    .build();
            history.put(writeRevision, kv);
            sizeBytes += (long) key.size() + value.size();
            changed = true;
            return kv;
        }

        /**
         * Deletes every existing key of a range, leaving a tombstone in each key's history.
         *
         * @param range the keys
         * @return the records deleted, in key order
         */
        public List<KeyValue> deleteRange(KeyRange range) {
            List<KeyValue> deleted = range(range, readRevision());
            for (KeyValue kv : deleted) {
                keys.get(kv.getKey()).delete(writeRevision);
            }
            if (!deleted.isEmpty()) {
                changed = true;
            }
            return deleted;
        }

        /**
         * Ends the batch: the store revision becomes {@link #writeRevision()} if anything changed.
         *
         * @return the store revision after the batch
         */
        public long end() {
            if (changed) {
                revision = writeRevision;
            }
            return revision;
        }
    }
}
