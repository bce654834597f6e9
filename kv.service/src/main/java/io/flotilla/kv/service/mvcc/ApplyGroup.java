package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.WriteBatch;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The changes applied but not yet written to the backend (etcd's batch transaction and its read buffer): the backend
 * batch being built, and each changed key's current record, which reads consult before the backend. Bounded by
 * {@link #MAX_CHANGES} changes or {@link #MAX_BYTES} bytes of keys and values: {@link MvccStore} writes a full group
 * before it takes more.
 */
final class ApplyGroup {

    /** Changes per group at most: etcd's {@code defaultBatchLimit}. */
    static final int MAX_CHANGES = 10_000;
    /** Key and value bytes per group at most, which bounds the memory a group holds. */
    static final int MAX_BYTES = 8 << 20;

    private final Backend backend;
    private WriteBatch batch;
    /** Each key the group changes → its current record (null: deleted). */
    private final NavigableMap<ByteString, KeyValue> current = new TreeMap<>(KeyRange.KEY_ORDER);
    private int changes;
    private long bytes;

    ApplyGroup(Backend backend) {
        this.backend = backend;
    }

    /** {@return the backend batch of the group, started if none is} */
    WriteBatch batch() {
        if (batch == null) {
            batch = backend.batch();
        }
        return batch;
    }

    /** {@return whether the group holds no change} */
    boolean isEmpty() {
        return batch == null;
    }

    /** {@return whether the group reached its bound} */
    boolean isFull() {
        return changes >= MAX_CHANGES || bytes >= MAX_BYTES;
    }

    /**
     * Records a key's new current record, once its changes are in {@link #batch()}.
     *
     * @param key         the key
     * @param kv          its record, null if deleted
     * @param storedBytes the bytes the change adds to the batch
     */
    void changed(ByteString key, KeyValue kv, long storedBytes) {
        current.put(key, kv);
        changes++;
        bytes += storedBytes;
    }

    /** {@return whether the group changed this key} */
    boolean changes(ByteString key) {
        return !current.isEmpty() && current.containsKey(key);
    }

    /** {@return the key's current record as the group left it, null if deleted (ask {@link #changes} first)} */
    KeyValue get(ByteString key) {
        return current.get(key);
    }

    /** {@return the group's changes within a range, in key order, or null if it has none there} */
    NavigableMap<ByteString, KeyValue> within(KeyRange range) {
        return within(current, range);
    }

    /** Returns the changes of {@code changes} within a range, or null if there are none. */
    static NavigableMap<ByteString, KeyValue> within(NavigableMap<ByteString, KeyValue> changes, KeyRange range) {
        if (changes.isEmpty()) {
            return null;
        }
        NavigableMap<ByteString, KeyValue> in = range.to() == null ? changes.tailMap(range.from(), true)
                : changes.subMap(range.from(), true, range.to(), false);
        return in.isEmpty() ? null : in;
    }

    /**
     * Commits the batch (the caller added the store's revision and applied index to it), then empties the group. If
     * the backend refuses it, nothing changes and the same batch can be committed again.
     *
     * @throws io.flotilla.kv.backend.BackendException if the backend refuses the batch
     */
    void commit() {
        batch().commit(false);
        discard();
    }

    /** Drops the group without writing it (its content is being replaced, or the store closes). */
    void discard() {
        if (batch != null) {
            batch.close();
            batch = null;
        }
        current.clear();
        changes = 0;
        bytes = 0;
    }
}
