package io.flotilla.kv.service.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.flotilla.kv.service.testing.ProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watchers on real member processes, with jetcd's Watch client, while writers run and the leader is killed with
 * SIGKILL and restarted from its disk: every watcher, on every member (the killed one's watcher resumes from the last
 * revision it saw once its member is back), sees exactly the store's history of its keys, in order, with no gap and no
 * duplicate, and every acknowledged write is in that history.
 */
class WatchFailoverTest {

    private static final ByteSequence PREFIX = bs("k/");

    @TempDir
    Path directory;

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String describe(WatchEvent e) {
        return e.getKeyValue().getModRevision() + " " + e.getEventType() + " "
                + e.getKeyValue().getKey().toString(StandardCharsets.UTF_8) + " "
                + e.getKeyValue().getValue().toString(StandardCharsets.UTF_8);
    }

    private static Client client(ProcessCluster cluster, int... members) {
        List<String> endpoints = new ArrayList<>();
        for (int m : members) {
            endpoints.add("http://" + cluster.clientAddress(m));
        }
        return Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
    }

    private static long lastRevision(List<String> events) {
        return events.isEmpty() ? 0 : Long.parseLong(events.get(events.size() - 1).split(" ")[0]);
    }

    private static void awaitRevision(List<String> events, long revision, String who) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lastRevision(events) < revision && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(revision, lastRevision(events), who + " did not reach the final revision");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void everyWatcherSeesTheStoresHistoryExactlyOnceAcrossALeaderKill() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(3, directory, List.of(
                "--engine-option=requestTimeoutMillis=2000"))) {
            cluster.awaitLeader(Duration.ofSeconds(60));
            List<Client> clients = new ArrayList<>();
            List<Watch.Watcher> watchers = new ArrayList<>();
            List<List<String>> seen = new ArrayList<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicBoolean writing = new AtomicBoolean(true);
            List<Thread> writers = new ArrayList<>();
            try {
                for (int m = 0; m < 3; m++) {
                    Client c = client(cluster, m); // one member each: the killed one's watcher must resume there
                    clients.add(c);
                    List<String> mine = new CopyOnWriteArrayList<>();
                    seen.add(mine);
                    watchers.add(c.getWatchClient().watch(PREFIX, WatchOption.builder().isPrefix(true)
                            .withRevision(1).build(), Watch.listener(
                                    r -> r.getEvents().forEach(e -> mine.add(describe(e))), errors::add)));
                }
                Client writerClient = client(cluster, 0, 1, 2);
                clients.add(writerClient);
                for (int t = 0; t < 2; t++) {
                    int writer = t;
                    Thread thread = new Thread(() -> {
                        for (int i = 0; writing.get(); i++) {
                            String key = "k/" + (i % 10);
                            String value = "w" + writer + "-" + i;
                            try {
                                long rev = writerClient.getKVClient().put(bs(key), bs(value))
                                        .get(5, TimeUnit.SECONDS).getHeader().getRevision();
                                acknowledged.add(rev + " PUT " + key + " " + value);
                            } catch (Exception e) {
                                // an unknown outcome during the failover: the history decides
                            }
                        }
                    }, "writer-" + t);
                    thread.start();
                    writers.add(thread);
                }
                Thread.sleep(2_000);
                int leader = cluster.awaitLeader(Duration.ofSeconds(30));
                cluster.server(leader).kill9();
                Thread.sleep(2_000);
                cluster.server(leader).start();
                Thread.sleep(3_000);
                writing.set(false);
                for (Thread t : writers) {
                    t.join(10_000);
                }
                long finalRevision = writerClient.getKVClient().get(PREFIX, GetOption.builder().isPrefix(true).build())
                        .get(30, TimeUnit.SECONDS).getHeader().getRevision();

                // The store's own history of the prefix, replayed by a new watcher from the start.
                List<String> history = new CopyOnWriteArrayList<>();
                try (Client reader = client(cluster, (leader + 1) % 3);
                     Watch.Watcher replay = reader.getWatchClient().watch(PREFIX, WatchOption.builder().isPrefix(true)
                             .withRevision(1).build(), r -> r.getEvents().forEach(e -> history.add(describe(e))))) {
                    awaitRevision(history, finalRevision, "the replay");
                }
                assertTrue(history.size() > 100, "too few writes to mean anything: " + history.size());
                for (int m = 0; m < 3; m++) {
                    awaitRevision(seen.get(m), finalRevision, "the watcher on member " + m);
                    assertEquals(history, List.copyOf(seen.get(m)), "the watcher on member " + m
                            + (m == leader ? " (killed and restarted)" : "") + "; stream errors: " + errors);
                }
                assertTrue(history.containsAll(acknowledged), "acknowledged writes missing from the history");
                // jetcd tells the listener about every broken stream before it resumes (the killed member's), so
                // errors are expected; none may be one that ends a watch for good.
                assertTrue(errors.stream().noneMatch(e -> e instanceof io.etcd.jetcd.common.exception.CompactedException),
                        errors.toString());
            } finally {
                writing.set(false);
                watchers.forEach(Watch.Watcher::close);
                clients.forEach(Client::close);
            }
        }
    }
}
