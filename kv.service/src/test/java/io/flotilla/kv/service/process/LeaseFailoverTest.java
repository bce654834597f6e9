package io.flotilla.kv.service.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.flotilla.kv.service.testing.ProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases on real member processes, kept alive by a real {@code etcdctl lease keep-alive} process: the leader is killed
 * with SIGKILL and the lease survives the leadership change (the new leader extends it); then the holder is killed
 * with SIGKILL and its key is deleted once the TTL runs out, which a watcher sees.
 */
class LeaseFailoverTest {

    @TempDir
    Path directory;

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLeaseOutlivesItsLeaderAndDiesWithItsHolder() throws Exception {
        Path etcdctl = Path.of("/usr/bin/etcdctl");
        Assumptions.assumeTrue(Files.isExecutable(etcdctl), "etcdctl is not installed (apt-get install -y etcd-client)");
        try (ProcessCluster cluster = ProcessCluster.start(3, directory, List.of())) {
            cluster.awaitLeader(Duration.ofSeconds(60));
            List<String> endpoints = new ArrayList<>();
            for (int m = 0; m < 3; m++) {
                endpoints.add("http://" + cluster.clientAddress(m));
            }
            try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
                long id = client.getLeaseClient().grant(3).get(10, TimeUnit.SECONDS).getID();
                client.getKVClient().put(bs("holder"), bs("alive"), PutOption.builder().withLeaseId(id).build())
                        .get(10, TimeUnit.SECONDS);
                BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
                ProcessBuilder keepAlive = new ProcessBuilder(etcdctl.toString(), "--endpoints="
                        + String.join(",", endpoints), "lease", "keep-alive", Long.toHexString(id))
                        .redirectErrorStream(true).redirectOutput(directory.resolve("keep-alive.log").toFile());
                keepAlive.environment().put("ETCDCTL_API", "3");
                Process holder = keepAlive.start();
                try (var watcher = client.getWatchClient().watch(bs("holder"), r -> events.addAll(r.getEvents()))) {
                    Thread.sleep(1_000);
                    int leader = cluster.awaitLeader(Duration.ofSeconds(30));
                    cluster.server(leader).kill9();
                    Thread.sleep(7_000); // more than twice the TTL, an election included
                    assertEquals(1, client.getKVClient().get(bs("holder")).get(10, TimeUnit.SECONDS).getCount(),
                            "the lease expired although its holder kept it alive; keep-alive log: "
                                    + Files.readString(directory.resolve("keep-alive.log")));
                    cluster.server(leader).start();
                    holder.destroyForcibly().waitFor(); // SIGKILL: the holder is gone
                    // (A watcher on a member that had not applied the put yet when the watch began sees the put too.)
                    WatchEvent gone;
                    do {
                        gone = events.poll(15, TimeUnit.SECONDS);
                        assertNotNull(gone, "the key outlived its dead holder's lease");
                    } while (gone.getEventType() != WatchEvent.EventType.DELETE);
                    assertEquals(0, client.getKVClient().get(bs("holder")).get(10, TimeUnit.SECONDS).getCount());
                } finally {
                    holder.destroyForcibly();
                }
            }
        }
    }
}
