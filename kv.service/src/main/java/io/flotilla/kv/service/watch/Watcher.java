package io.flotilla.kv.service.watch;

import io.flotilla.kv.service.mvcc.KeyRange;
import io.flotilla.kv.service.mvcc.StoreChange;

/**
 * One watcher: a key range of one stream, its filters and options, and how far it got.
 *
 * <p>{@link #nextRevision} is guarded by the {@link WatchHub}'s lock while the watcher is synced and owned by the hub's
 * catch-up thread while it is not; the flags {@link #canceled} and {@link #eventsSinceProgress} by the stream's.
 */
final class Watcher {

    final WatchStream stream;
    final long id;
    final KeyRange range;
    final boolean noPut;
    final boolean noDelete;
    final boolean prevKv;
    final boolean progressNotify;
    final boolean fragment;

    /**
     * The first revision not yet handed to the stream: a synced watcher skips changes below it (a start revision in
     * the future), an unsynced one catches up from it.
     */
    long nextRevision;
    /** Whether the watcher is in the hub's synced index (told about changes as they are written). */
    boolean synced;
    /** Set once the watcher is canceled or its stream closed: nothing more is queued for it. */
    boolean canceled;
    /** Whether events were queued since the last progress tick (etcd elides the next progress notification). */
    boolean eventsSinceProgress;

    Watcher(WatchStream stream, long id, KeyRange range, boolean noPut, boolean noDelete, boolean prevKv,
            boolean progressNotify, boolean fragment) {
        this.stream = stream;
        this.id = id;
        this.range = range;
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.prevKv = prevKv;
        this.progressNotify = progressNotify;
        this.fragment = fragment;
    }

    /** {@return whether the watcher is to be told about a change: in its range, not filtered out, not too early} */
    boolean wants(StoreChange change) {
        return change.revision() >= nextRevision && range.contains(change.key())
                && !(change.deleted() ? noDelete : noPut);
    }
}
