package io.flotilla.kv.service.watch;

import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import io.flotilla.kv.service.mvcc.ChangeListener;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.mvcc.MvccStore;
import io.flotilla.kv.service.mvcc.MvccView;
import io.flotilla.kv.service.mvcc.StoreChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * A member's watchers and the delivery of its store's changes to them: etcd's {@code watchableStore}, on this member
 * alone (every member applies the same log, so a watcher on a follower sees the same events, as it applies them).
 *
 * <p><b>Synced watchers</b> have been told about every change up to the store's published revision: the store hands
 * each written group of changes to {@link #written} (on the apply thread, once the changes are readable), which
 * queues each watcher's events on its stream without blocking. <b>Unsynced watchers</b> start in the past, or fell
 * behind because their stream's queue was full (a slow client), or were on a member that installed a snapshot: a
 * catch-up thread reads their changes back from the store (a consistent {@link MvccView}, whole revisions, at most
 * {@link #CATCH_UP_CHANGES} changes per round for {@link #CATCH_UP_WATCHERS} watchers, as etcd's
 * {@code syncWatchers}), and moves a watcher to the synced ones, under the hub's lock, once it has reached the
 * published revision. Together this delivers every event once, in revision order, without gaps, whatever the client's
 * speed; a watcher that needs history the store compacted gets etcd's compaction response and is canceled.
 *
 * <p>Locks: the hub's lock, then a stream's; never the other way round.
 */
public final class WatchHub implements ChangeListener, AutoCloseable {

    /** Responses queued per stream at most (etcd's {@code chanBufLen} is 128; more, since one holds one watcher's). */
    static final int STREAM_QUEUE_RESPONSES = 1024;
    /** Bytes of events queued per stream at most (one response may exceed it, alone). */
    static final long STREAM_QUEUE_BYTES = 4L << 20;
    /** Bytes of events queued over all streams of the member at most; beyond it watchers catch up from the store. */
    static final long MEMBER_QUEUE_BYTES = 64L << 20;
    /** A response of events is cut at a revision boundary once it holds this many bytes. */
    static final long RESPONSE_BYTES = 1L << 20;
    /** Watchers per stream at most. */
    static final int MAX_WATCHERS_PER_STREAM = 100_000;
    /** Watchers per member at most. */
    static final int MAX_WATCHERS_PER_MEMBER = 1_000_000;
    /** Unsynced watchers per catch-up round (etcd's {@code maxWatchersPerSync}). */
    static final int CATCH_UP_WATCHERS = 512;
    /** Changes read per catch-up round, about (whole revisions). */
    static final int CATCH_UP_CHANGES = 10_000;
    /** How long the catch-up waits when it has nothing it can do (etcd's {@code watchResyncPeriod}). */
    static final long CATCH_UP_PERIOD_MILLIS = 100;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WatchHub.class);

    private final MvccStore store;
    private final Object lock = new Object();
    private final WatchIndex synced = new WatchIndex();
    private final Set<Watcher> unsynced = new LinkedHashSet<>();
    private final Set<WatchStream> streams = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Written under the lock; volatile so a stream may read it holding only its own lock. */
    private volatile long published;
    private int watcherCount;
    private boolean catchUpWanted;
    private boolean closed;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final ExecutorService senders;
    private final ScheduledExecutorService progressTimer;
    private final Thread catchUp;
    private final int fragmentBytes;
    private volatile LongFunction<ResponseHeader> headers;
    private final Supplier<KvException> stopped;

    /**
     * Creates the hub of a store and starts its threads; it listens to the store from now on.
     *
     * @param store            the store
     * @param name             the member's name, for thread names
     * @param maxRequestBytes  the member's request limit: responses of watchers that asked for fragments are split
     *                         past it (plus etcd's 512 KiB allowance)
     * @param progressInterval how often watchers that asked for progress notifications get one (etcd's
     *                         {@code experimental-watch-progress-notify-interval}, 10 minutes by default, with up to
     *                         10% jitter added)
     * @param stopped          the error streams end with when the member stops (etcd's "server stopped")
     */
    public WatchHub(MvccStore store, String name, int maxRequestBytes, Duration progressInterval,
                    Supplier<KvException> stopped) {
        this.store = store;
        this.stopped = stopped;
        this.published = store.revision();
        this.fragmentBytes = (int) Math.min(Integer.MAX_VALUE, maxRequestBytes + 512L * 1024);
        this.senders = Executors.newFixedThreadPool(2, daemon("flotilla-watch-send-" + name));
        this.progressTimer = Executors.newSingleThreadScheduledExecutor(daemon("flotilla-watch-progress-" + name));
        long interval = progressInterval.toMillis();
        long jittered = interval + ThreadLocalRandom.current().nextLong(interval / 10 + 1);
        progressTimer.scheduleAtFixedRate(this::progressTick, jittered, jittered, TimeUnit.MILLISECONDS);
        this.catchUp = daemon("flotilla-watch-catch-up-" + name).newThread(this::catchUpLoop);
        store.listen(this);
        catchUp.start();
    }

    /**
     * Sets how response headers are made (the member's ids and term); set before any stream is opened.
     *
     * @param headers the store revision → header
     */
    public void headers(LongFunction<ResponseHeader> headers) {
        this.headers = headers;
    }

    /**
     * Opens a stream for one client call.
     *
     * @param sink where its responses go
     * @return the stream; the caller hands it the client's requests
     * @throws KvException if the member is stopping
     */
    public WatchStream open(WatchSink sink) {
        WatchStream stream = new WatchStream(this, sink);
        synchronized (lock) {
            if (closed) {
                throw stopped.get();
            }
            streams.add(stream);
        }
        return stream;
    }

    /** {@return the number of watchers on this member} */
    public int watchers() {
        synchronized (lock) {
            return watcherCount;
        }
    }

    /** {@return the number of watchers that are catching up from the store} */
    public int unsyncedWatchers() {
        synchronized (lock) {
            return unsynced.size();
        }
    }

    ResponseHeader header(long revision) {
        return headers.apply(revision);
    }

    /** {@return the newest revision whose changes watchers were handed} */
    long revision() {
        return published;
    }

    int fragmentBytes() {
        return fragmentBytes;
    }

    void execute(Runnable drain) {
        try {
            senders.execute(drain);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the member is stopping: its streams are being failed anyway
        }
    }

    void reserve(long bytes) {
        queuedBytes.addAndGet(bytes);
    }

    boolean tryReserve(long bytes) {
        while (true) {
            long now = queuedBytes.get();
            if (now + bytes > MEMBER_QUEUE_BYTES) {
                return false;
            }
            if (queuedBytes.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        queuedBytes.addAndGet(-bytes);
    }

    /** Reads the previous records of changes (for {@code prev_kv}), off the apply thread. */
    List<KeyValue> previous(List<StoreChange> changes) {
        if (changes.stream().allMatch(c -> c.previousRevision() == 0)) {
            return Collections.nCopies(changes.size(), null);
        }
        try (MvccView view = store.openView()) {
            return WatchStream.previous(view, changes);
        }
    }

    /**
     * Adds a watcher: queues its created response, then makes it synced (start revision 0 or in the future) or has
     * it catch up from its start revision.
     *
     * @return false if the member has too many watchers (nothing was queued)
     */
    boolean register(Watcher w, long startRevision) {
        synchronized (lock) {
            if (closed || watcherCount >= MAX_WATCHERS_PER_MEMBER) {
                return false;
            }
            watcherCount++;
            w.stream.queueControl(WatchResponse.newBuilder().setHeader(header(published)).setWatchId(w.id)
                    .setCreated(true).build());
            if (startRevision == 0 || startRevision > published) {
                w.nextRevision = Math.max(startRevision, published + 1);
                w.synced = true;
                synced.add(w);
            } else {
                w.nextRevision = startRevision;
                unsynced.add(w);
                wakeCatchUpLocked();
            }
            return true;
        }
    }

    /** Removes a canceled watcher. */
    void unregister(Watcher w) {
        synchronized (lock) {
            removeLocked(w);
        }
    }

    private void removeLocked(Watcher w) {
        if (w.synced) {
            synced.remove(w);
            w.synced = false;
            watcherCount--;
        } else if (unsynced.remove(w)) {
            watcherCount--;
        }
    }

    /** A stream ended: its watchers go. */
    void closed(WatchStream stream, List<Watcher> watchers) {
        synchronized (lock) {
            streams.remove(stream);
            for (Watcher w : watchers) {
                removeLocked(w);
            }
        }
    }

    /** etcd's {@code RequestProgressAll}: one response with watch id -1 if every watcher of the stream is synced. */
    void progressAll(WatchStream stream) {
        synchronized (lock) {
            for (Watcher w : stream.watchers()) {
                if (!w.synced) {
                    return;
                }
            }
            stream.queueControl(WatchResponse.newBuilder().setHeader(header(published))
                    .setWatchId(WatchStream.INVALID_WATCH_ID).build());
        }
    }

    private void progressTick() {
        try {
            synchronized (lock) {
                long revision = published;
                synced.forEach(w -> {
                    if (w.progressNotify) {
                        w.stream.offerProgress(w, revision);
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warn("watch progress notification failed: {}", e.toString(), e);
        }
    }

    @Override
    public void written(List<StoreChange> changes, long revision) {
        synchronized (lock) {
            published = revision;
            if (synced.isEmpty()) {
                return;
            }
            Map<Watcher, List<StoreChange>> matched = new LinkedHashMap<>();
            for (StoreChange c : changes) {
                synced.forEachCandidate(c.key(), w -> {
                    if (w.wants(c)) {
                        matched.computeIfAbsent(w, k -> new ArrayList<>()).add(c);
                    }
                });
            }
            for (Map.Entry<Watcher, List<StoreChange>> e : matched.entrySet()) {
                Watcher w = e.getKey();
                List<StoreChange> events = e.getValue();
                int queued = w.stream.offerEvents(w, events, revision);
                if (queued < events.size()) {
                    // The client reads too slowly: the rest is read back from the store when it has room.
                    synced.remove(w);
                    w.synced = false;
                    w.nextRevision = events.get(queued).revision();
                    unsynced.add(w);
                    wakeCatchUpLocked();
                }
            }
        }
    }

    @Override
    public void replaced(long revision) {
        synchronized (lock) {
            // The changes up to the new revision were never written here: every watcher reads them from the new
            // content (etcd moves all synced watchers to the unsynced group on restore).
            long from = published + 1;
            List<Watcher> all = new ArrayList<>();
            synced.forEach(all::add);
            for (Watcher w : all) {
                synced.remove(w);
                w.synced = false;
                w.nextRevision = Math.max(w.nextRevision, from);
                unsynced.add(w);
            }
            published = revision;
            wakeCatchUpLocked();
        }
    }

    /** Wakes the catch-up: a stream has room again. */
    void wakeCatchUp() {
        synchronized (lock) {
            wakeCatchUpLocked();
        }
    }

    private void wakeCatchUpLocked() {
        catchUpWanted = true;
        lock.notifyAll();
    }

    private void catchUpLoop() {
        while (true) {
            List<Watcher> round;
            synchronized (lock) {
                while (!closed && (unsynced.isEmpty() || !catchUpWanted)) {
                    try {
                        lock.wait(unsynced.isEmpty() ? 0 : CATCH_UP_PERIOD_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!unsynced.isEmpty()) {
                        catchUpWanted = true; // the period passed: try the blocked ones again
                    }
                }
                if (closed) {
                    return;
                }
                catchUpWanted = false;
                round = new ArrayList<>(Math.min(unsynced.size(), CATCH_UP_WATCHERS));
                for (Watcher w : unsynced) {
                    if (round.size() == CATCH_UP_WATCHERS) {
                        catchUpWanted = true; // more than one round's worth
                        break;
                    }
                    round.add(w);
                }
            }
            try {
                if (catchUp(round)) {
                    synchronized (lock) {
                        catchUpWanted = true;
                    }
                }
            } catch (RuntimeException e) {
                // The store failed (closing, a disk error): try again after a period rather than lose watchers.
                LOG.warn("watch catch-up failed, retrying: {}", e.toString());
                sleepQuietly();
            }
        }
    }

    /** One round for some unsynced watchers; returns whether it made progress. */
    private boolean catchUp(List<Watcher> round) {
        List<Watcher> ready = new ArrayList<>();
        for (Watcher w : round) {
            if (w.stream.hasRoomNow()) {
                ready.add(w);
            }
        }
        if (ready.isEmpty()) {
            return false;
        }
        try (MvccView view = store.openView()) {
            long compactRevision = view.compactRevision(); // read with the view: never below what the view lacks
            long to = view.revision();
            long from = Long.MAX_VALUE;
            List<Watcher> live = new ArrayList<>();
            for (Watcher w : ready) {
                if (w.nextRevision < compactRevision) {
                    unregister(w);
                    w.stream.compacted(w, compactRevision);
                } else {
                    live.add(w);
                    from = Math.min(from, w.nextRevision);
                }
            }
            if (from <= to) {
                MvccView.Changes read = view.changes(from, to, CATCH_UP_CHANGES);
                for (Watcher w : live) {
                    List<StoreChange> events = new ArrayList<>();
                    for (StoreChange c : read.changes()) {
                        if (w.wants(c)) {
                            events.add(c);
                        }
                    }
                    int queued = events.isEmpty() ? 0 : w.stream.offerEvents(w, events, to);
                    if (queued < events.size()) {
                        w.nextRevision = events.get(queued).revision();
                    } else {
                        w.nextRevision = Math.max(w.nextRevision, read.readTo() + 1);
                    }
                }
            }
            synchronized (lock) {
                for (Watcher w : live) {
                    if (w.nextRevision > published && unsynced.remove(w)) {
                        w.synced = true;
                        synced.add(w);
                    }
                }
            }
            return true;
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(CATCH_UP_PERIOD_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends every stream with the stop error (clients reconnect to another member) and stops the threads. */
    @Override
    public void close() {
        List<WatchStream> open;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lock.notifyAll();
            open = new ArrayList<>(streams);
        }
        for (WatchStream s : open) {
            s.fail(stopped.get());
        }
        progressTimer.shutdownNow();
        senders.shutdown();
        try {
            senders.awaitTermination(2, TimeUnit.SECONDS);
            catchUp.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        senders.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
