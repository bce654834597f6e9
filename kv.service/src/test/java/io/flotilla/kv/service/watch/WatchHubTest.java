package io.flotilla.kv.service.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.internal.proto.etcd.WatchCancelRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchCreateRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchProgressRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.internal.proto.mvcc.Event;
import io.flotilla.kv.service.mvcc.KeyRange;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.mvcc.MvccStore;
import io.flotilla.kv.service.mvcc.StatusCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The watch hub over a real store: etcd's watch semantics, ordering and a slow client's bounds. */
class WatchHubTest {

    private MvccStore store;
    private WatchHub hub;

    @BeforeEach
    void open() {
        store = new MvccStore(Backends.provider("memory").open(
                new BackendContext(Path.of("target", "unused"), MvccStore.tables(), Map.of())));
        hub = new WatchHub(store, "test", 1 << 20, Duration.ofMillis(200),
                () -> new KvException(StatusCode.UNAVAILABLE, "etcdserver: server stopped"));
        hub.headers(rev -> ResponseHeader.newBuilder().setRevision(rev).build());
    }

    @AfterEach
    void close() {
        hub.close();
        store.close();
    }

    private static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    private long put(String key, String value) {
        MvccStore.WriteBatch b = store.beginWrite();
        b.put(bs(key), bs(value), 0);
        long rev = b.end();
        store.flush();
        return rev;
    }

    private long delete(String key) {
        MvccStore.WriteBatch b = store.beginWrite();
        b.deleteRange(KeyRange.of(bs(key), ByteString.EMPTY));
        long rev = b.end();
        store.flush();
        return rev;
    }

    private RecordingSink stream() {
        RecordingSink sink = new RecordingSink();
        sink.stream = hub.open(sink);
        return sink;
    }

    private static WatchRequest create(WatchCreateRequest.Builder b) {
        return WatchRequest.newBuilder().setCreateRequest(b).build();
    }

    private static WatchCreateRequest.Builder prefix(String p) {
        byte[] end = p.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        return WatchCreateRequest.newBuilder().setKey(bs(p)).setRangeEnd(ByteString.copyFrom(end));
    }

    /** Reads responses until {@code count} events arrived; checks each response's watch id. */
    private static List<Event> events(RecordingSink sink, long watchId, int count) throws InterruptedException {
        List<Event> out = new ArrayList<>();
        while (out.size() < count) {
            WatchResponse r = sink.next();
            assertEquals(watchId, r.getWatchId(), r.toString());
            out.addAll(r.getEventsList());
        }
        return out;
    }

    @Test
    void liveEventsArriveInRevisionOrderWithEtcdsShape() throws Exception {
        RecordingSink s = stream();
        s.stream.handle(create(prefix("a/")));
        WatchResponse created = s.next();
        assertTrue(created.getCreated());
        assertEquals(0, created.getWatchId()); // etcd numbers server-chosen ids from 0
        assertEquals(store.revision(), created.getHeader().getRevision());
        long r1 = put("a/1", "x");
        put("b/1", "not watched");
        long r3 = put("a/1", "y");
        long r4 = delete("a/1");
        List<Event> evs = events(s, 0, 3);
        assertEquals(List.of(Event.EventType.PUT, Event.EventType.PUT, Event.EventType.DELETE),
                evs.stream().map(Event::getType).toList());
        assertEquals(List.of(r1, r3, r4), evs.stream().map(e -> e.getKv().getModRevision()).toList());
        assertEquals(2, evs.get(1).getKv().getVersion());
        assertEquals(r1, evs.get(1).getKv().getCreateRevision());
        assertEquals("a/1", evs.get(2).getKv().getKey().toStringUtf8());
        assertEquals(ByteString.EMPTY, evs.get(2).getKv().getValue()); // a delete carries the key and revision only
        assertFalse(evs.get(1).hasPrevKv(), "prev_kv only when asked for");
    }

    @Test
    void startRevisionInThePastReplaysHistoryThenFollowsLiveWithoutGapOrDuplicate() throws Exception {
        List<Long> revs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            revs.add(put("k/" + (i % 7), "v" + i));
        }
        RecordingSink s = stream();
        s.stream.handle(create(prefix("k/").setStartRevision(revs.get(10))));
        assertTrue(s.next().getCreated());
        for (int i = 50; i < 80; i++) {
            revs.add(put("k/" + (i % 7), "v" + i));
        }
        List<Event> evs = events(s, 0, 70);
        assertEquals(revs.subList(10, 80), evs.stream().map(e -> e.getKv().getModRevision()).toList());
        assertEquals("v10", evs.get(0).getKv().getValue().toStringUtf8());
        assertTrue(s.responses.isEmpty());
    }

    @Test
    void futureStartRevisionSkipsEarlierChanges() throws Exception {
        long now = store.revision();
        RecordingSink s = stream();
        s.stream.handle(create(prefix("f/").setStartRevision(now + 3)));
        assertTrue(s.next().getCreated());
        put("f/a", "1");
        put("f/a", "2");
        long third = put("f/a", "3");
        List<Event> evs = events(s, 0, 1);
        assertEquals(third, evs.get(0).getKv().getModRevision());
    }

    @Test
    void slowClientHoldsBoundedMemoryThenCatchesUpFromTheStoreInOrder() throws Exception {
        RecordingSink s = stream();
        s.stream.handle(create(prefix("s/")));
        assertTrue(s.next().getCreated());
        s.ready = false; // the client stops reading
        String value = "x".repeat(4096);
        List<Long> revs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) { // 12 MB of values: three times what a stream may queue
            revs.add(put("s/" + (i % 100), value));
        }
        assertEquals(1, hub.unsyncedWatchers(), "the watcher left the synced group instead of queueing without bound");
        assertTrue(s.responses.isEmpty());
        s.resume();
        List<Event> evs = events(s, 0, 3000);
        assertEquals(revs, evs.stream().map(e -> e.getKv().getModRevision()).toList());
        long last = put("s/live", "after");
        assertEquals(last, events(s, 0, 1).get(0).getKv().getModRevision());
        assertEquals(0, hub.unsyncedWatchers());
    }

    @Test
    void compactedStartRevisionGetsTheCompactRevisionAndIsCanceled() throws Exception {
        for (int i = 0; i < 10; i++) {
            put("c/" + i, "v");
        }
        long compactAt = store.revision() - 2;
        store.compact(compactAt);
        RecordingSink s = stream();
        s.stream.handle(create(prefix("c/").setStartRevision(compactAt - 1)));
        assertTrue(s.next().getCreated());
        WatchResponse r = s.next();
        assertTrue(r.getCanceled());
        assertEquals(compactAt, r.getCompactRevision());
        assertEquals(0, hub.watchers());
        // At the compaction revision itself the watch works (etcd: only below it is compacted).
        s.stream.handle(create(prefix("c/").setStartRevision(compactAt)));
        assertTrue(s.next().getCreated());
        List<Event> evs = events(s, 1, 3);
        assertEquals(compactAt, evs.get(0).getKv().getModRevision());
    }

    @Test
    void filtersAndPreviousValues() throws Exception {
        put("p/a", "old");
        RecordingSink s = stream();
        s.stream.handle(create(prefix("p/").addFilters(WatchCreateRequest.FilterType.NOPUT).setPrevKv(true)));
        s.stream.handle(create(prefix("p/").addFilters(WatchCreateRequest.FilterType.NODELETE).setPrevKv(true)));
        assertTrue(s.next().getCreated());
        assertTrue(s.next().getCreated());
        put("p/a", "new");
        long deleted = delete("p/a");
        put("p/b", "fresh");
        List<WatchResponse> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            got.add(s.next());
        }
        List<Event> deletes = got.stream().filter(r -> r.getWatchId() == 0).flatMap(r -> r.getEventsList().stream())
                .toList();
        List<Event> puts = got.stream().filter(r -> r.getWatchId() == 1).flatMap(r -> r.getEventsList().stream())
                .toList();
        assertEquals(1, deletes.size());
        assertEquals(deleted, deletes.get(0).getKv().getModRevision());
        assertEquals("new", deletes.get(0).getPrevKv().getValue().toStringUtf8());
        assertEquals(2, puts.size());
        assertEquals("old", puts.get(0).getPrevKv().getValue().toStringUtf8());
        assertFalse(puts.get(1).hasPrevKv(), "a created key has no previous value");
    }

    @Test
    void cancelAnswersOnceAndStopsEvents() throws Exception {
        RecordingSink s = stream();
        s.stream.handle(create(prefix("x/").setWatchId(7)));
        assertEquals(7, s.next().getWatchId());
        s.stream.handle(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(7))
                .build());
        WatchResponse canceled = s.next();
        assertTrue(canceled.getCanceled());
        assertEquals(7, canceled.getWatchId());
        s.stream.handle(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(7))
                .build());
        put("x/1", "v");
        s.stream.handle(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance())
                .build());
        WatchResponse progress = s.next(); // the next response is the progress answer: no event, no second cancel
        assertEquals(-1, progress.getWatchId());
        assertEquals(0, progress.getEventsCount());
        assertEquals(store.revision(), progress.getHeader().getRevision());
    }

    @Test
    void refusedCreatesUseEtcdsMessages() throws Exception {
        RecordingSink s = stream();
        s.stream.handle(create(WatchCreateRequest.newBuilder().setKey(bs("b")).setRangeEnd(bs("a"))));
        WatchResponse empty = s.next();
        assertTrue(empty.getCreated() && empty.getCanceled());
        assertEquals(-1, empty.getWatchId());
        assertEquals("mvcc: watcher range is empty", empty.getCancelReason());
        s.stream.handle(create(prefix("d/").setWatchId(3)));
        assertTrue(s.next().getCreated());
        s.stream.handle(create(prefix("d/").setWatchId(3)));
        WatchResponse duplicate = s.next();
        assertTrue(duplicate.getCanceled());
        assertEquals("mvcc: duplicate watch ID provided on the WatchStream", duplicate.getCancelReason());
        assertEquals(1, hub.watchers());
    }

    @Test
    void progressNotificationsOnlyWhenNothingElseWasSent() throws Exception {
        RecordingSink s = stream();
        s.stream.handle(create(prefix("q/").setProgressNotify(true)));
        assertTrue(s.next().getCreated());
        WatchResponse tick = s.next(); // the 200 ms interval of this hub
        assertEquals(0, tick.getWatchId());
        assertEquals(0, tick.getEventsCount());
        assertEquals(store.revision(), tick.getHeader().getRevision());
    }

    @Test
    void aStreamTheClientLeavesDropsItsWatchersAndAClosingHubEndsStreams() throws Exception {
        RecordingSink gone = stream();
        gone.stream.handle(create(prefix("g/")));
        assertTrue(gone.next().getCreated());
        gone.stream.clientGone();
        assertEquals(0, hub.watchers());
        RecordingSink open = stream();
        open.stream.handle(create(prefix("g/")));
        assertTrue(open.next().getCreated());
        hub.close();
        assertEquals("etcdserver: server stopped", open.failure == null ? null : open.failure.getMessage());
        assertNull(gone.failure);
    }
}
