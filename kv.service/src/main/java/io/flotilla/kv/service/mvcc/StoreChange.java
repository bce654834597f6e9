package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;

/**
 * One key's change at one revision, as the store wrote it: what watchers are told (etcd's watch events come from the
 * same place, the changes of a write transaction).
 *
 * @param revision         the revision of the change
 * @param key              the key
 * @param kv               the record written, or null for a delete
 * @param previousRevision the revision of the key's record this change replaced (its previous value, for
 *                         {@code prev_kv}); 0 if the key did not exist, -1 if unknown (an entry written before the
 *                         store recorded it)
 */
public record StoreChange(long revision, ByteString key, KeyValue kv, long previousRevision) {

    /** {@return whether the change deletes the key} */
    public boolean deleted() {
        return kv == null;
    }
}
