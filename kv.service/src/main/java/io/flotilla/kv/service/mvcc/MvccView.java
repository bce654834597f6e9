package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * A consistent, read-only view of the multi-version store as the backend holds it at one moment: its revision, its
 * compaction revision and every record, all of the same state. Reads through it run on any thread, concurrently with
 * applying and with each other, which is how linearizable and serializable reads stay off the apply thread (etcd's
 * concurrent read transactions on bbolt serve the same purpose). A view sees exactly what {@link MvccStore#flush()}
 * had written when it was opened; later writes and background compaction do not change it.
 */
public final class MvccView implements RangeSource, AutoCloseable {

    private final MvccReads reads;
    private final BackendView view;
    private final Table meta;
    private final Table history;
    private final Table revisions;
    private final long revision;
    private final long compactRevision;

    /**
     * @param storeCompactRevision the store's compaction revision, read after the view was taken: at least the view's
     *                             own. Reads below it are refused (etcd refuses below the store's compaction revision
     *                             whatever a read transaction could still see), except at the view's own revision,
     *                             which a compaction applied since the view was taken may have passed.
     */
    MvccView(MvccReads reads, BackendView view, Table meta, Table history, Table revisions, long storeCompactRevision) {
        this.reads = reads;
        this.view = view;
        this.meta = meta;
        this.history = history;
        this.revisions = revisions;
        long stored = MvccLayout.readLong(view.get(meta, MvccLayout.REVISION));
        this.revision = stored == 0 ? MvccStore.INITIAL_REVISION : stored;
        this.compactRevision = Math.min(storeCompactRevision, revision);
    }

    /** {@return the store revision the view holds} */
    public long revision() {
        return revision;
    }

    /**
     * {@return the compaction revision reads through the view check: the store's when the view was opened, at least
     * the one the view holds; reads below it fail, as they would on the store}
     */
    public long compactRevision() {
        return compactRevision;
    }

    /**
     * Turns a requested read revision into the one to read at (see {@link MvccStore#readableRevision}).
     *
     * @param requested the revision asked for; 0 or less means the view's
     * @return the revision to read at
     * @throws KvException {@link KvError#FUTURE_REVISION} above the view's revision, {@link KvError#COMPACTED} below
     *                     its compaction revision
     */
    public long readableRevision(long requested) {
        return MvccStore.readableRevision(requested, revision, compactRevision);
    }

    @Override
    public MvccStore.Scan scan(KeyRange range, long at, int maxRecords) {
        if (range.isEmpty()) {
            return new MvccStore.Scan(List.of(), 0);
        }
        return at >= revision ? reads.scanLatest(view, null, range, maxRecords, null)
                : reads.scanHistory(view, range, at, maxRecords);
    }

    /**
     * Hashes the history a read can reach up to a revision, as {@link MvccStore#hash(long)} does.
     *
     * @param at the revision to hash up to; 0 or less for the view's
     * @return the hash
     * @throws KvException for a revision the view cannot read
     */
    public long hash(long at) {
        long upTo = readableRevision(at);
        // The view's own compaction revision: the hash is a function of the state the view holds, so members that
        // applied the same commands agree on it.
        return HistoryHash.of(view, history, heldCompactRevision(), upTo);
    }

    /** {@return the compaction revision the view itself holds (what its hash is of)} */
    public long heldCompactRevision() {
        return MvccLayout.readLong(view.get(meta, MvccLayout.SCHEDULED_COMPACT));
    }

    /**
     * Changes read back from the store, whole revisions only.
     *
     * @param changes the changes, in revision and sub-revision order
     * @param readTo  the last revision read completely: the next read starts after it
     */
    public record Changes(List<StoreChange> changes, long readTo) {
    }

    /**
     * Reads the changes of revisions {@code from..to} in the order they were made (what a watcher that fell behind
     * catches up with; etcd reads its revision-keyed bucket the same way). Stops at the end of the first revision at
     * which {@code maxChanges} is reached, so a revision is never split. The caller checks that {@code from} is not
     * below the compaction revision: every change from the compaction revision on is still listed (the compactor
     * keeps the entries of the compaction revision itself, whose puts are still readable).
     *
     * @param from       the first revision (inclusive)
     * @param to         the last revision (inclusive), at most {@link #revision()}
     * @param maxChanges how many changes to read, about
     * @return the changes
     */
    public Changes changes(long from, long to, int maxChanges) {
        List<StoreChange> out = new ArrayList<>();
        long readTo = to;
        try (Cursor c = view.cursor(revisions, MvccLayout.revisionKey(from, 0), MvccLayout.revisionKey(to + 1, 0))) {
            for (; c.valid(); c.next()) {
                long rev = MvccLayout.revisionOf(c.key());
                if (out.size() >= maxChanges && rev != out.get(out.size() - 1).revision()) {
                    readTo = rev - 1;
                    break;
                }
                byte[] value = c.value();
                byte[] userKey = MvccLayout.revisionUserKey(value);
                boolean delete = value[0] == MvccLayout.KIND_DELETE || value[0] == MvccLayout.KIND_DELETE_LINKED;
                long previous = MvccLayout.isLinked(value) ? MvccLayout.previousRevision(value) : -1;
                KeyValue kv = null;
                if (!delete) {
                    kv = record(userKey, rev);
                    if (kv == null) {
                        throw new IllegalStateException("the store lists a put of key "
                                + ByteString.copyFrom(userKey).toStringUtf8() + " at revision " + rev
                                + " but holds no record of it");
                    }
                }
                out.add(new StoreChange(rev, ByteString.copyFrom(userKey), kv, previous));
            }
        }
        return new Changes(out, readTo);
    }

    /**
     * Returns the record a change replaced (etcd's {@code prev_kv}), or null if the key did not exist before it or
     * that record is compacted away.
     *
     * @param change a change at or below the view's revision
     * @return the previous record, or null
     */
    public KeyValue previous(StoreChange change) {
        long previous = change.previousRevision();
        if (previous == 0) {
            return null;
        }
        if (previous > 0) {
            return record(change.key().toByteArray(), previous);
        }
        long at = change.revision() - 1; // an entry that does not name it: read the key as it was just before
        if (at < compactRevision) {
            return null;
        }
        List<KeyValue> kvs = reads.scanHistory(view, new KeyRange(change.key(), null, true), at, 1).kvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    private KeyValue record(byte[] userKey, long rev) {
        byte[] record = view.get(history, MvccLayout.historyKey(userKey, rev));
        return record == null || record.length == 0 ? null : MvccReads.decode(record);
    }

    BackendView backendView() {
        return view;
    }

    /** Releases what the view pins in the backend. */
    @Override
    public void close() {
        view.close();
    }
}
