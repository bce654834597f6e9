package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.flotilla.kv.service.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd's own Watch client, unchanged, against a three-member cluster: what services that watch keys depend on. A watch
 * that survives its member's SIGKILL and restart is tested on real processes ({@code process.WatchFailoverTest}).
 */
class JetcdWatchTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;
    private static Client writer;

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = TestCluster.start(3, data, TestCluster.FAST);
        cluster.awaitLeader(Duration.ofSeconds(10));
        writer = client(0, 1, 2);
    }

    @AfterAll
    static void stop() {
        if (writer != null) {
            writer.close();
        }
        cluster.close();
    }

    private static Client client(int... members) {
        String[] endpoints = new String[members.length];
        for (int i = 0; i < members.length; i++) {
            endpoints[i] = "http://" + cluster.member(members[i]).clientAddress();
        }
        return Client.builder().endpoints(endpoints).build();
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String str(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /** What one watcher saw: "PUT key value @rev" or "DELETE key @rev". */
    private static String describe(WatchEvent e) {
        return e.getEventType() + " " + str(e.getKeyValue().getKey())
                + (e.getEventType() == WatchEvent.EventType.PUT ? " " + str(e.getKeyValue().getValue()) : "")
                + " @" + e.getKeyValue().getModRevision();
    }

    private static List<String> await(List<String> seen, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (seen.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(count, seen.size(), "events seen: " + seen);
        return List.copyOf(seen);
    }

    @Test
    void everyMemberDeliversTheSameEventsInRevisionOrder() throws Exception {
        List<List<String>> seen = new ArrayList<>();
        List<Client> clients = new ArrayList<>();
        List<Watch.Watcher> watchers = new ArrayList<>();
        try {
            for (int m = 0; m < 3; m++) {
                Client c = client(m);
                clients.add(c);
                List<String> mine = new CopyOnWriteArrayList<>();
                seen.add(mine);
                watchers.add(c.getWatchClient().watch(bs("e/"), WatchOption.builder().isPrefix(true).build(),
                        r -> r.getEvents().forEach(e -> mine.add(describe(e)))));
            }
            Thread.sleep(200); // the watches are created asynchronously; writes before that are not expected
            KV kv = writer.getKVClient();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String key = "e/" + (i % 5);
                if (i % 7 == 6) {
                    long rev = kv.delete(bs(key)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
                    expected.add("DELETE " + key + " @" + rev);
                } else {
                    long rev = kv.put(bs(key), bs("v" + i)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
                    expected.add("PUT " + key + " v" + i + " @" + rev);
                }
            }
            for (List<String> mine : seen) {
                assertEquals(expected, await(mine, expected.size()));
            }
        } finally {
            watchers.forEach(Watch.Watcher::close);
            clients.forEach(Client::close);
        }
    }

    @Test
    void historyPreviousValuesAndFilters() throws Exception {
        KV kv = writer.getKVClient();
        long first = kv.put(bs("h/a"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        kv.put(bs("h/a"), bs("2")).get(10, TimeUnit.SECONDS);
        kv.delete(bs("h/"), DeleteOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
        BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        Watch watch = writer.getWatchClient();
        try (Watch.Watcher w = watch.watch(bs("h/"), WatchOption.builder().isPrefix(true).withRevision(first)
                .withPrevKV(true).withNoPut(true).build(), r -> events.addAll(r.getEvents()))) {
            WatchEvent delete = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(delete);
            assertEquals(WatchEvent.EventType.DELETE, delete.getEventType());
            assertEquals("2", str(delete.getPrevKV().getValue()));
            assertTrue(events.isEmpty(), "puts are filtered out: " + events);
        }
    }

    @Test
    void aCompactedStartRevisionIsReportedAsCompacted() throws Exception {
        KV kv = writer.getKVClient();
        long old = kv.put(bs("x/a"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        long now = kv.put(bs("x/a"), bs("2")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        kv.compact(now).get(10, TimeUnit.SECONDS);
        BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        try (Watch.Watcher w = writer.getWatchClient().watch(bs("x/a"),
                WatchOption.builder().withRevision(old).build(), Watch.listener(r -> { }, errors::add))) {
            Throwable error = errors.poll(10, TimeUnit.SECONDS);
            assertInstanceOf(CompactedException.class, error);
            assertEquals(now, ((CompactedException) error).getCompactedRevision());
        }
    }
}
