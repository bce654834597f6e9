package io.flotilla.kv.service.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.internal.proto.etcd.WatchCreateRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.internal.proto.mvcc.Event;
import io.flotilla.kv.service.mvcc.ChangeListener;
import io.flotilla.kv.service.mvcc.KeyRange;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.mvcc.KvStateMachine;
import io.flotilla.kv.service.mvcc.MvccStore;
import io.flotilla.kv.service.mvcc.StatusCode;
import io.flotilla.kv.service.mvcc.StoreChange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random histories against the watch hub: puts, deletes, multi-key revisions, compactions and snapshot
 * installs (the watched store falls behind, then takes the other's snapshot, as a lagging follower does), with
 * watchers created at random moments with random ranges, filters and start revisions, whose clients stop and resume
 * reading at random. Afterwards each watcher's events are exactly the store history's changes it asked for, in order,
 * with no gap and no duplicate; or, if history it needed was compacted first, a prefix of them followed by etcd's
 * compaction response.
 */
class WatchHistoryPropertyTest {

    private static final String[] KEYS = {"a", "b/1", "b/2", "b/3", "c"};

    static List<Long> seeds() {
        List<Long> seeds = new ArrayList<>();
        for (long s = 1; s <= Long.getLong("flotilla.watch.seeds", 25L); s++) {
            seeds.add(s);
        }
        return seeds;
    }

    private static MvccStore memoryStore() {
        return new MvccStore(Backends.provider("memory").open(
                new BackendContext(Path.of("target", "unused"), MvccStore.tables(), Map.of())));
    }

    private static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    /** One watcher under test: what it asked for and what its client got. */
    private record Client(RecordingSink sink, WatchCreateRequest request, long firstRevision) {
    }

    private static String describe(StoreChange c) {
        return c.revision() + (c.deleted() ? " DELETE " + c.key().toStringUtf8()
                : " PUT " + c.key().toStringUtf8() + " " + c.kv().getValue().toStringUtf8());
    }

    private static String describe(Event e) {
        return e.getKv().getModRevision() + " " + e.getType() + " " + e.getKv().getKey().toStringUtf8()
                + (e.getType() == Event.EventType.PUT ? " " + e.getKv().getValue().toStringUtf8() : "");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyWatcherGetsExactlyTheHistoryItAskedFor(long seed) throws Exception {
        Random random = new Random(seed);
        List<StoreChange> history = new ArrayList<>();
        try (KvStateMachine leader = new KvStateMachine(memoryStore());
             KvStateMachine member = new KvStateMachine(memoryStore())) {
            leader.store().listen(new ChangeListener() {
                @Override
                public void written(List<StoreChange> changes, long revision) {
                    history.addAll(changes);
                }

                @Override
                public void replaced(long revision) {
                    throw new AssertionError("the leader never installs a snapshot");
                }
            });
            WatchHub hub = new WatchHub(member.store(), "p" + seed, 1 << 20, Duration.ofHours(1),
                    () -> new KvException(StatusCode.UNAVAILABLE, "etcdserver: server stopped"));
            hub.headers(rev -> ResponseHeader.newBuilder().setRevision(rev).build());
            List<Client> clients = new ArrayList<>();
            boolean lagging = false;
            try {
                for (int step = 0; step < 400; step++) {
                    int dice = random.nextInt(100);
                    if (dice < 4) {
                        clients.add(newWatcher(random, hub, member.store()));
                    } else if (dice < 8 && !clients.isEmpty()) {
                        RecordingSink sink = clients.get(random.nextInt(clients.size())).sink();
                        if (sink.ready) {
                            sink.ready = false;
                        } else {
                            sink.resume();
                        }
                    } else if (dice < 10) {
                        long now = leader.store().revision();
                        long at = leader.store().compactRevision() + 1 + random.nextInt(10);
                        if (at <= now) {
                            leader.store().compact(at);
                            if (!lagging) {
                                member.store().compact(at);
                            }
                        }
                    } else if (dice < 13) {
                        if (lagging) {
                            ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
                            leader.writeSnapshot(snapshot);
                            member.restoreSnapshot(new ByteArrayInputStream(snapshot.toByteArray()));
                        }
                        lagging = !lagging;
                    } else {
                        Revision r = randomRevision(random, step);
                        apply(leader.store(), r);
                        if (!lagging) {
                            apply(member.store(), r);
                            assertEquals(leader.store().revision(), member.store().revision());
                        }
                    }
                }
                if (lagging) {
                    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
                    leader.writeSnapshot(snapshot);
                    member.restoreSnapshot(new ByteArrayInputStream(snapshot.toByteArray()));
                }
                assertEquals(leader.store().revision(), member.store().revision());
                for (Client c : clients) {
                    c.sink().resume();
                }
                for (Client c : clients) {
                    check(c, history, leader.store().revision());
                }
            } finally {
                hub.close();
            }
        }
    }

    /** One revision: one to three keys, each put (a value) or deleted (null). */
    private record Revision(List<String> keys, List<ByteString> values) {
    }

    private static Revision randomRevision(Random random, int step) {
        List<String> keys = new ArrayList<>(List.of(KEYS));
        java.util.Collections.shuffle(keys, random);
        keys = keys.subList(0, 1 + random.nextInt(3));
        List<ByteString> values = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            values.add(random.nextInt(5) == 0 ? null : bs("v" + step + "-" + i));
        }
        return new Revision(keys, values);
    }

    private static void apply(MvccStore store, Revision r) {
        MvccStore.WriteBatch b = store.beginWrite();
        for (int i = 0; i < r.keys().size(); i++) {
            ByteString key = bs(r.keys().get(i));
            if (r.values().get(i) == null) {
                b.deleteRange(KeyRange.of(key, ByteString.EMPTY));
            } else {
                b.put(key, r.values().get(i), 0);
            }
        }
        b.end();
        store.flush();
    }

    private static Client newWatcher(Random random, WatchHub hub, MvccStore store) throws InterruptedException {
        WatchCreateRequest.Builder r = WatchCreateRequest.newBuilder();
        switch (random.nextInt(3)) {
            case 0 -> r.setKey(bs(KEYS[random.nextInt(KEYS.length)]));
            case 1 -> r.setKey(bs("b/")).setRangeEnd(bs("b0"));
            default -> r.setKey(bs("a")).setRangeEnd(ByteString.copyFrom(new byte[] {0}));
        }
        if (random.nextInt(4) == 0) {
            r.addFilters(random.nextBoolean() ? WatchCreateRequest.FilterType.NOPUT
                    : WatchCreateRequest.FilterType.NODELETE);
        }
        long now = store.revision();
        long start = switch (random.nextInt(3)) {
            case 0 -> 0;
            case 1 -> Math.max(1, now - random.nextInt(30));
            default -> now + 1 + random.nextInt(5);
        };
        r.setStartRevision(start);
        RecordingSink sink = new RecordingSink();
        sink.ready = random.nextBoolean();
        sink.stream = hub.open(sink);
        sink.stream.handle(WatchRequest.newBuilder().setCreateRequest(r).build());
        return new Client(sink, r.build(), start == 0 ? now + 1 : start);
    }

    private static void check(Client c, List<StoreChange> history, long finalRevision) throws InterruptedException {
        WatchCreateRequest r = c.request();
        KeyRange range = KeyRange.of(r.getKey(), r.getRangeEnd());
        boolean noPut = r.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT);
        boolean noDelete = r.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE);
        List<String> expected = new ArrayList<>();
        for (StoreChange change : history) {
            if (change.revision() >= c.firstRevision() && range.contains(change.key())
                    && !(change.deleted() ? noDelete : noPut)) {
                expected.add(describe(change));
            }
        }
        List<String> got = new ArrayList<>();
        WatchResponse first = c.sink().responses.poll(10, TimeUnit.SECONDS);
        assertTrue(first != null && first.getCreated() && !first.getCanceled(), "created: " + first);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (got.size() < expected.size() && System.nanoTime() < deadline) {
            WatchResponse resp = c.sink().responses.poll(100, TimeUnit.MILLISECONDS);
            if (resp == null) {
                continue;
            }
            if (resp.getCanceled()) {
                assertTrue(resp.getCompactRevision() > 0, "only compaction cancels here: " + resp);
                assertEquals(expected.subList(0, got.size()), got, "events before the compaction notice");
                return;
            }
            resp.getEventsList().forEach(e -> got.add(describe(e)));
        }
        assertEquals(expected, got, "watcher " + r + " up to revision " + finalRevision);
        WatchResponse extra = c.sink().responses.poll(50, TimeUnit.MILLISECONDS);
        assertTrue(extra == null || (extra.getCanceled() && extra.getCompactRevision() > 0),
                "nothing after the history: " + extra);
    }
}
