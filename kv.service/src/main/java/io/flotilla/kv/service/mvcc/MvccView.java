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
    private final Table history;
    private final long revision;
    private final long compactRevision;

    MvccView(MvccReads reads, BackendView view, Table meta, Table history) {
        this.reads = reads;
        this.view = view;
        this.history = history;
        long stored = MvccLayout.readLong(view.get(meta, MvccLayout.REVISION));
        this.revision = stored == 0 ? MvccStore.INITIAL_REVISION : stored;
        this.compactRevision = MvccLayout.readLong(view.get(meta, MvccLayout.SCHEDULED_COMPACT));
    }

    /** {@return the store revision the view holds} */
    public long revision() {
        return revision;
    }

    /** {@return the compaction revision the view holds: reads below it fail, as they would on the store} */
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
        return HistoryHash.of(view, history, compactRevision, readableRevision(at));
    }

    /** Releases what the view pins in the backend. */
    @Override
    public void close() {
        view.close();
    }
}
