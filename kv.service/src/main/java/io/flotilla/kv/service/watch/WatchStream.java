package io.flotilla.kv.service.watch;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.WatchCreateRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.internal.proto.mvcc.Event;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import io.flotilla.kv.service.mvcc.KeyRange;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.mvcc.MvccView;
import io.flotilla.kv.service.mvcc.StoreChange;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's watch stream (etcd's {@code serverWatchStream}): its watchers, by id, and the responses queued for it.
 *
 * <p>The queue is bounded ({@link WatchHub#STREAM_QUEUE_RESPONSES} responses, {@link WatchHub#STREAM_QUEUE_BYTES}
 * bytes, and the member's {@link WatchHub#MEMBER_QUEUE_BYTES} over all streams): when a client reads slower than its
 * watchers' events arrive, the queue fills, the hub stops handing events to those watchers and lets them catch up from
 * the store once the client has read (etcd's unsynced watchers), and the stream stops reading the client's requests
 * until its responses have room. So a slow client holds a bounded amount of the member's memory and never slows the
 * apply thread. Responses are sent by the hub's sender threads, one drain per stream at a time, as the transport
 * becomes ready.
 */
public final class WatchStream {

    /** etcd's {@code AutoWatchID}: a create request with this id asks the server to choose one. */
    static final long AUTO_WATCH_ID = 0;
    /** etcd's {@code clientv3.InvalidWatchID}: the id of refused creates and of stream-wide progress responses. */
    static final long INVALID_WATCH_ID = -1;
    private static final ByteString SMALLEST_KEY = ByteString.copyFrom(new byte[] {0});

    private final WatchHub hub;
    private final WatchSink sink;
    private final Map<Long, Watcher> watchers = new HashMap<>();
    private long nextId;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean readPaused;
    private boolean closed;
    /** Why the stream ends once its drain gets there: null for a normal end; set with {@link #ending}. */
    private KvException endError;
    private boolean ending;
    private boolean ended;
    /** Set when the hub could not queue events for lack of room: the drain wakes the catch-up once it has room. */
    private boolean blocked;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    /** A queued response: events of one watcher (built when sent), or a ready control response. */
    private record Pending(Watcher watcher, List<StoreChange> changes, long headerRevision, WatchResponse control,
                           long bytes) {
    }

    WatchStream(WatchHub hub, WatchSink sink) {
        this.hub = hub;
        this.sink = sink;
    }

    /**
     * Handles one request of the client (a network thread calls it, one request at a time), then asks for the next
     * one unless the responses have no room.
     *
     * @param request the request
     */
    public void handle(WatchRequest request) {
        switch (request.getRequestUnionCase()) {
            case CREATE_REQUEST -> create(request.getCreateRequest());
            case CANCEL_REQUEST -> cancel(request.getCancelRequest().getWatchId());
            case PROGRESS_REQUEST -> hub.progressAll(this);
            default -> { } // an empty request: etcd ignores it
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            if (queue.size() >= WatchHub.STREAM_QUEUE_RESPONSES / 2) {
                readPaused = true;
                return;
            }
        }
        sink.requestMore();
    }

    private void create(WatchCreateRequest r) {
        ByteString key = r.getKey().isEmpty() ? SMALLEST_KEY : r.getKey();
        ByteString end = r.getRangeEnd();
        if (r.getStartRevision() < 0) {
            refuseCreate(KvError.COMPACTED.message());
            return;
        }
        KeyRange range = KeyRange.of(key, end);
        if (range.isEmpty()) {
            refuseCreate("mvcc: watcher range is empty");
            return;
        }
        boolean noPut = false;
        boolean noDelete = false;
        for (WatchCreateRequest.FilterType f : r.getFiltersList()) {
            noPut |= f == WatchCreateRequest.FilterType.NOPUT;
            noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
        }
        Watcher w;
        synchronized (this) {
            if (closed) {
                return;
            }
            long id = r.getWatchId();
            if (id != AUTO_WATCH_ID && watchers.containsKey(id)) {
                refuseCreate("mvcc: duplicate watch ID provided on the WatchStream");
                return;
            }
            if (watchers.size() >= WatchHub.MAX_WATCHERS_PER_STREAM) {
                refuseCreate("etcdserver: too many watchers on this stream (at most "
                        + WatchHub.MAX_WATCHERS_PER_STREAM + "); open another stream");
                return;
            }
            if (id == AUTO_WATCH_ID) {
                while (watchers.containsKey(nextId)) {
                    nextId++;
                }
                id = nextId++;
            }
            w = new Watcher(this, id, range, noPut, noDelete, r.getPrevKv(), r.getProgressNotify(),
                    r.getFragment());
            watchers.put(id, w);
        }
        if (!hub.register(w, r.getStartRevision())) {
            synchronized (this) {
                watchers.remove(w.id);
            }
            refuseCreate("etcdserver: too many watchers on this member (at most " + WatchHub.MAX_WATCHERS_PER_MEMBER
                    + ")");
        }
    }

    /** etcd answers a create it refuses with a response both created and canceled, with the watch id -1. */
    private void refuseCreate(String reason) {
        queueControl(WatchResponse.newBuilder().setHeader(hub.header(hub.revision())).setWatchId(INVALID_WATCH_ID)
                .setCreated(true).setCanceled(true).setCancelReason(reason).build());
    }

    private void cancel(long id) {
        Watcher w;
        synchronized (this) {
            w = watchers.remove(id);
        }
        if (w == null) {
            return; // etcd answers nothing for an unknown id
        }
        hub.unregister(w);
        synchronized (this) {
            w.canceled = true;
        }
        queueControl(WatchResponse.newBuilder().setHeader(hub.header(hub.revision())).setWatchId(id)
                .setCanceled(true).build());
    }

    /** {@return the stream's watchers, for the hub (a copy)} */
    synchronized List<Watcher> watchers() {
        return new ArrayList<>(watchers.values());
    }

    /**
     * Queues events for a watcher, in responses of whole revisions of at most {@link WatchHub#RESPONSE_BYTES}
     * (more if one revision alone is larger), as far as the queue has room.
     *
     * @param w              the watcher
     * @param changes        its changes, in revision order
     * @param headerRevision the store revision the responses report
     * @return how many of the changes were queued (the rest start at a revision boundary); all of them if the watcher
     *         is canceled, whose events are dropped
     */
    int offerEvents(Watcher w, List<StoreChange> changes, long headerRevision) {
        int accepted = 0;
        synchronized (this) {
            while (accepted < changes.size()) {
                if (w.canceled || closed) {
                    return changes.size();
                }
                int end = accepted;
                long bytes = 0;
                while (end < changes.size()) {
                    long rev = changes.get(end).revision();
                    int revEnd = end;
                    long revBytes = 0;
                    while (revEnd < changes.size() && changes.get(revEnd).revision() == rev) {
                        revBytes += estimate(changes.get(revEnd), w.prevKv);
                        revEnd++;
                    }
                    if (end > accepted && bytes + revBytes > WatchHub.RESPONSE_BYTES) {
                        break;
                    }
                    bytes += revBytes;
                    end = revEnd;
                }
                if (!hasRoom(bytes)) {
                    blocked = true;
                    break;
                }
                add(new Pending(w, List.copyOf(changes.subList(accepted, end)), headerRevision, null, bytes));
                w.eventsSinceProgress = true;
                accepted = end;
            }
        }
        scheduleDrain();
        return accepted;
    }

    /**
     * Queues a progress notification for a watcher if it had no events since the last tick and there is room (a
     * notification may be skipped: the next tick sends one).
     */
    void offerProgress(Watcher w, long revision) {
        synchronized (this) {
            boolean due = !w.eventsSinceProgress;
            w.eventsSinceProgress = false;
            if (!due || w.canceled || closed || !hasRoom(64)) {
                return;
            }
            add(new Pending(null, null, 0, WatchResponse.newBuilder().setHeader(hub.header(revision))
                    .setWatchId(w.id).build(), 64));
        }
        scheduleDrain();
    }

    /** Queues a watcher's compaction notice; the hub has dropped the watcher (etcd cancels it). */
    void compacted(Watcher w, long compactRevision) {
        synchronized (this) {
            if (w.canceled || closed) {
                return;
            }
            w.canceled = true;
            watchers.remove(w.id, w);
        }
        queueControl(WatchResponse.newBuilder().setHeader(hub.header(hub.revision())).setWatchId(w.id)
                .setCompactRevision(compactRevision).setCanceled(true).build());
    }

    /** Queues a response that answers the client (created, canceled, progress): never refused, the reading stops. */
    void queueControl(WatchResponse response) {
        synchronized (this) {
            if (closed) {
                return;
            }
            long bytes = response.getSerializedSize();
            hub.reserve(bytes);
            queuedBytes += bytes;
            queue.add(new Pending(null, null, 0, response, bytes));
        }
        scheduleDrain();
    }

    /** {@return whether the queue takes another response; with stream lock held} */
    private boolean hasRoom(long bytes) {
        if (queue.isEmpty()) {
            hub.reserve(bytes); // always one: a single large revision must get through
            return true;
        }
        return queue.size() < WatchHub.STREAM_QUEUE_RESPONSES && queuedBytes + bytes <= WatchHub.STREAM_QUEUE_BYTES
                && hub.tryReserve(bytes);
    }

    private void add(Pending p) {
        queuedBytes += p.bytes;
        queue.add(p);
    }

    /** {@return whether the queue would take a response of ordinary size now (the catch-up skips full streams)} */
    synchronized boolean hasRoomNow() {
        return !closed && queue.size() < WatchHub.STREAM_QUEUE_RESPONSES
                && queuedBytes + WatchHub.RESPONSE_BYTES <= WatchHub.STREAM_QUEUE_BYTES;
    }

    private static long estimate(StoreChange c, boolean prevKv) {
        long kv = c.key().size() + (c.kv() == null ? 0 : c.kv().getValue().size()) + 40;
        return prevKv ? 2 * kv : kv;
    }

    /** The transport is ready for more: sends what is queued. */
    public void transportReady() {
        scheduleDrain();
    }

    /** The client closed its side: the watchers are dropped and the call ends normally (as etcd's on EOF). */
    public void clientDone() {
        finish(null);
    }

    /** The call is gone (canceled by the client, a network failure): the watchers are dropped, nothing more is sent. */
    public void clientGone() {
        synchronized (this) {
            ended = true;
        }
        closeWatchers();
    }

    /** Ends the stream with an error (the member stops). */
    void fail(KvException error) {
        finish(error);
    }

    private void finish(KvException error) {
        synchronized (this) {
            if (ending) {
                return;
            }
            ending = true;
            endError = error;
        }
        closeWatchers();
        scheduleDrain();
    }

    private void closeWatchers() {
        List<Watcher> dropped;
        synchronized (this) {
            closed = true;
            dropped = new ArrayList<>(watchers.values());
            watchers.clear();
            hub.release(queuedBytes);
            queuedBytes = 0;
            queue.clear();
        }
        hub.closed(this, dropped);
        synchronized (this) {
            for (Watcher w : dropped) {
                w.canceled = true;
            }
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            hub.execute(this::drain);
        }
    }

    private void drain() {
        try {
            while (true) {
                Pending next;
                boolean resume = false;
                boolean wake = false;
                synchronized (this) {
                    if (ended) {
                        return;
                    }
                    if (ending) {
                        ended = true;
                        next = null;
                    } else if (queue.isEmpty() || !sink.isReady()) {
                        return;
                    } else {
                        next = queue.poll();
                        queuedBytes -= next.bytes;
                        hub.release(next.bytes);
                        if (readPaused && queue.size() < WatchHub.STREAM_QUEUE_RESPONSES / 2) {
                            readPaused = false;
                            resume = true;
                        }
                        if (blocked) {
                            blocked = false;
                            wake = true;
                        }
                    }
                }
                if (next == null) {
                    if (endError == null) {
                        sink.end();
                    } else {
                        sink.fail(endError);
                    }
                    return;
                }
                send(next);
                if (resume) {
                    sink.requestMore();
                }
                if (wake) {
                    hub.wakeCatchUp();
                }
            }
        } catch (RuntimeException e) {
            // The transport refused a message (the call is gone): nothing more can be sent on it.
            clientGone();
        } finally {
            drainScheduled.set(false);
            boolean again;
            synchronized (this) {
                again = !ended && (ending || (!queue.isEmpty() && sink.isReady()));
            }
            if (again) {
                scheduleDrain();
            }
        }
    }

    private void send(Pending p) {
        if (p.control != null) {
            sink.send(p.control);
            return;
        }
        Watcher w = p.watcher;
        WatchResponse.Builder r = WatchResponse.newBuilder().setHeader(hub.header(p.headerRevision)).setWatchId(w.id);
        List<KeyValue> previous = w.prevKv ? hub.previous(p.changes) : null;
        for (int i = 0; i < p.changes.size(); i++) {
            r.addEvents(event(p.changes.get(i), previous == null ? null : previous.get(i)));
        }
        WatchResponse response = r.build();
        if (w.fragment && response.getEventsCount() > 1
                && response.getSerializedSize() >= hub.fragmentBytes()) {
            sendFragments(response);
        } else {
            sink.send(response);
        }
    }

    /** etcd's {@code sendFragments}: responses of at most the limit (at least one event each), all but the last marked. */
    private void sendFragments(WatchResponse whole) {
        int i = 0;
        while (i < whole.getEventsCount()) {
            WatchResponse.Builder part = whole.toBuilder().clearEvents().setFragment(true);
            long size = part.build().getSerializedSize();
            while (i < whole.getEventsCount()) {
                Event e = whole.getEvents(i);
                long eventSize = e.getSerializedSize() + 8;
                if (part.getEventsCount() > 0 && size + eventSize >= hub.fragmentBytes()) {
                    break;
                }
                part.addEvents(e);
                size += eventSize;
                i++;
            }
            if (i == whole.getEventsCount()) {
                part.setFragment(false);
            }
            sink.send(part.build());
        }
    }

    /** etcd's event: the record for a put, the key and the delete's revision for a delete. */
    static Event event(StoreChange c, KeyValue previous) {
        Event.Builder e = Event.newBuilder();
        if (c.deleted()) {
            e.setType(Event.EventType.DELETE).setKv(KeyValue.newBuilder().setKey(c.key()).setModRevision(c.revision()));
        } else {
            e.setType(Event.EventType.PUT).setKv(c.kv());
        }
        if (previous != null) {
            e.setPrevKv(previous);
        }
        return e.build();
    }

    /** Reads the previous records of changes through one view; used by {@link WatchHub#previous}. */
    static List<KeyValue> previous(MvccView view, List<StoreChange> changes) {
        List<KeyValue> out = new ArrayList<>(changes.size());
        for (StoreChange c : changes) {
            out.add(c.previousRevision() == 0 ? null : view.previous(c));
        }
        return out;
    }
}
