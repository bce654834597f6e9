package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Table;
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
    private final long revision;
    private final long compactRevision;

    /**
     * @param storeCompactRevision the store's compaction revision, read after the view was taken: at least the view's
     *                             own. Reads below it are refused (etcd refuses below the store's compaction revision
     *                             whatever a read transaction could still see), except at the view's own revision,
     *                             which a compaction applied since the view was taken may have passed.
     */
    MvccView(MvccReads reads, BackendView view, Table meta, Table history, long storeCompactRevision) {
        this.reads = reads;
        this.view = view;
        this.meta = meta;
        this.history = history;
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

    /** Releases what the view pins in the backend. */
    @Override
    public void close() {
        view.close();
    }
}
