package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendException;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Removes the history a compaction made unreachable, on a thread of its own, in small batches, as etcd's
 * {@code scheduleCompaction} does (1000 revisions per batch, 10 ms between batches), so that neither the apply thread
 * nor readers wait for it.
 *
 * <p>Compacting to revision C keeps, for every key, its newest change at or before C unless that is a delete, and
 * everything after C. The work is a walk of the {@link MvccLayout#REVISIONS} table up to C (trimmed as the work goes,
 * so each compaction looks only at what changed since the previous one): each entry names the key's previous change,
 * which it made unreachable, so the walk deletes records by name and never searches the history (a search per change
 * made the compactor the busiest thread of a leader under sustained writes). The records
 * it removes are at or below C and no read can reach them (reads below C fail) and the apply thread only ever adds
 * records above the current revision, so the work needs no coordination with either. When done, the finished
 * revision is written to the meta table; a restart resumes unfinished work.
 */
final class Compactor implements AutoCloseable {

    /** Revisions per batch, etcd's {@code compactionBatchLimit}. */
    static final int BATCH_REVISIONS = 1000;
    /** Pause between batches, etcd's {@code compactionSleepInterval}, so foreground writes keep the disk. */
    static final long PAUSE_MILLIS = 10;

    private static final System.Logger LOG = System.getLogger(Compactor.class.getName());

    private final Backend backend;
    private final Table history;
    private final Table revisions;
    private final Table meta;
    private final Object lock = new Object();
    /** Futures of callers waiting for a compaction (etcd's {@code physical: true}), by revision. */
    private final ConcurrentSkipListMap<Long, List<CompletableFuture<Void>>> waiting = new ConcurrentSkipListMap<>();
    private long target;
    private volatile long finished;
    private boolean closed;
    private Thread thread;

    Compactor(Backend backend, Table history, Table revisions, Table meta) {
        this.backend = backend;
        this.history = history;
        this.revisions = revisions;
        this.meta = meta;
        this.finished = MvccLayout.readLong(backend.get(meta, MvccLayout.FINISHED_COMPACT));
    }

    /** Asks for history below {@code revision} to be removed; returns at once. */
    void schedule(long revision) {
        synchronized (lock) {
            finished = MvccLayout.readLong(backend.get(meta, MvccLayout.FINISHED_COMPACT));
            if (closed || revision <= finished || revision <= target && thread != null) {
                completeWaiting();
                return;
            }
            target = Math.max(target, revision);
            if (thread == null) {
                thread = new Thread(this::run, "flotilla-mvcc-compactor");
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    /** {@return the revision of the last compaction whose history is gone from the backend} */
    long finished() {
        return finished;
    }

    /**
     * Returns a future completed when history below {@code revision} is gone (at once if it already is).
     *
     * @param revision the compaction revision
     * @return the future; fails if the compactor is closed first
     */
    CompletableFuture<Void> whenFinished(long revision) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiting.computeIfAbsent(revision, r -> new ArrayList<>()).add(f);
        completeWaiting();
        return f;
    }

    private void completeWaiting() {
        long done = finished;
        while (!waiting.isEmpty() && waiting.firstKey() <= done) {
            var entry = waiting.pollFirstEntry();
            if (entry != null) {
                entry.getValue().forEach(f -> f.complete(null));
            }
        }
    }

    private void run() {
        while (true) {
            long goal;
            synchronized (lock) {
                if (closed || target <= finished) {
                    thread = null;
                    return;
                }
                goal = target;
            }
            long started = System.nanoTime();
            try {
                long removed = compactTo(goal);
                if (removed < 0) {
                    continue; // closed part-way; the loop ends above
                }
                LOG.log(System.Logger.Level.INFO, "compaction to revision " + goal + " removed " + removed
                        + " old records in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            } catch (BackendException | IllegalStateException e) {
                // The records stay; reads are unaffected (they are below the compaction revision). Retried at the next
                // compaction or restart.
                LOG.log(System.Logger.Level.WARNING, "compaction to revision " + goal + " failed: " + e, e);
                synchronized (lock) {
                    thread = null;
                    target = finished;
                    return;
                }
            }
        }
    }

    /** Does the work for one target; returns the number of history records removed, or -1 if closed part-way. */
    private long compactTo(long goal) {
        long removed = 0;
        byte[] end = MvccLayout.revisionKey(goal + 1, 0); // the changes at the goal too: they replaced older records
        // Each batch starts after the last revision the previous one took, never at the table's start: the entries
        // deleted so far stay behind as RocksDB tombstones until its own compaction drops them, and walking over them
        // again for every batch made a compaction's cost grow with the square of its length (most of the leader's
        // CPU ten minutes into a long run of writes).
        byte[] from = new byte[0];
        while (true) {
            synchronized (lock) {
                if (closed) {
                    return -1;
                }
            }
            List<byte[]> revisionKeys = new ArrayList<>(BATCH_REVISIONS);
            Set<java.nio.ByteBuffer> seen = new HashSet<>();
            List<byte[]> userKeys = new ArrayList<>();
            try (WriteBatch batch = backend.batch()) {
                try (Cursor c = backend.cursor(revisions, from, end)) {
                    for (; c.valid() && revisionKeys.size() < BATCH_REVISIONS; c.next()) {
                        byte[] key = c.key();
                        revisionKeys.add(key);
                        from = Arrays.copyOf(key, key.length + 1); // the smallest key after this one
                        byte[] value = c.value();
                        if (MvccLayout.isLinked(value)) {
                            removed += dropReplaced(batch, MvccLayout.revisionOf(key), value);
                            continue;
                        }
                        byte[] userKey = MvccLayout.revisionUserKey(value); // an entry of the earlier form
                        if (seen.add(java.nio.ByteBuffer.wrap(userKey))) {
                            userKeys.add(userKey);
                        }
                    }
                }
                for (byte[] userKey : userKeys) {
                    removed += dropUnreachable(batch, userKey, goal);
                }
                for (byte[] k : revisionKeys) {
                    // The entries of the goal itself stay listed: a watcher may start at the compaction revision
                    // (etcd allows it) and the puts at it are still readable. The next compaction walks them again,
                    // which deletes nothing twice that matters (deleting a deleted record is a no-op).
                    if (MvccLayout.revisionOf(k) < goal) {
                        batch.delete(revisions, k);
                    }
                }
                boolean last = revisionKeys.size() < BATCH_REVISIONS;
                if (last) {
                    batch.put(meta, MvccLayout.FINISHED_COMPACT, MvccLayout.longBytes(goal));
                }
                batch.commit(false);
                if (last) {
                    finished = goal;
                    completeWaiting();
                    return removed;
                }
            }
            pause();
        }
    }

    /**
     * Deletes what a change at or below the compaction revision made unreachable, without searching: the record it
     * replaced (the key's previous change, which the entry names), and the change itself if it is a delete (no read
     * sees a tombstone, and everything older goes with the entries of the older changes). Each record is named by
     * exactly one later change, so each is deleted once. Returns how many deletes were issued.
     */
    private long dropReplaced(WriteBatch batch, long revision, byte[] linkedValue) {
        byte[] userKey = MvccLayout.revisionUserKey(linkedValue);
        long removed = 0;
        long previous = MvccLayout.previousRevision(linkedValue);
        if (previous > 0) {
            batch.delete(history, MvccLayout.historyKey(userKey, previous));
            removed++;
        }
        if (linkedValue[0] == MvccLayout.KIND_DELETE_LINKED) {
            batch.delete(history, MvccLayout.historyKey(userKey, revision));
            removed++;
        }
        return removed;
    }

    /**
     * Deletes a key's changes that no read at {@code goal} or later can see, by walking its history; for entries of
     * the earlier form, which do not name the previous change. Returns how many.
     */
    private long dropUnreachable(WriteBatch batch, byte[] userKey, long goal) {
        byte[] prefix = MvccLayout.historyPrefix(userKey);
        long removed = 0;
        try (Cursor c = backend.cursor(history, MvccLayout.withRevision(prefix, prefix.length, goal),
                MvccLayout.groupEnd(prefix, prefix.length))) {
            if (!c.valid()) {
                return 0;
            }
            // The newest change at or before the goal stays, unless it is a delete: nothing can see a tombstone.
            if (c.value().length == 0) {
                batch.delete(history, c.key());
                removed++;
            }
            for (c.next(); c.valid(); c.next()) {
                batch.delete(history, c.key());
                removed++;
            }
        }
        return removed;
    }

    private void pause() {
        try {
            Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (lock) {
                closed = true;
            }
        }
    }

    /** Stops the work (it resumes from where it was at the next open) and fails callers still waiting. */
    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            closed = true;
            t = thread;
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        waiting.values().forEach(list -> list.forEach(f -> f.completeExceptionally(
                new IllegalStateException("the store is closed"))));
        waiting.clear();
    }
}
