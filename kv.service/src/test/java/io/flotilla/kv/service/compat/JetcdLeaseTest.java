package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.flotilla.kv.service.testing.TestCluster;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd's own Lease client, unchanged, against a three-member cluster: what service discovery (keys that vanish with
 * their holder) depends on. Leases outliving a killed leader, and expiring with a killed holder, are tested on real
 * processes ({@code process.LeaseFailoverTest}).
 */
class JetcdLeaseTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;
    private static Client client;
    private static Client followerOnly;

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = TestCluster.start(3, data, TestCluster.FAST);
        int leader = cluster.awaitLeader(Duration.ofSeconds(10));
        client = Client.builder().endpoints("http://" + cluster.member(0).clientAddress(),
                "http://" + cluster.member(1).clientAddress(), "http://" + cluster.member(2).clientAddress()).build();
        followerOnly = Client.builder().endpoints("http://" + cluster.member(cluster.aFollower(leader))
                .clientAddress()).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            followerOnly.close();
        }
        cluster.close();
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aKeyLivesWhileItsLeaseIsKeptAliveAndIsDeletedWhenItExpires() throws Exception {
        Lease lease = client.getLeaseClient();
        long id = await(lease.grant(2)).getID();
        KV kv = client.getKVClient();
        await(kv.put(bs("svc/a"), bs("10.0.0.1"), PutOption.builder().withLeaseId(id).build()));
        BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        try (var watcher = client.getWatchClient().watch(bs("svc/a"), r -> events.addAll(r.getEvents()))) {
            BlockingQueue<LeaseKeepAliveResponse> renewals = new LinkedBlockingQueue<>();
            CloseableClient keepAlive = lease.keepAlive(id, new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                    renewals.add(r);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            Thread.sleep(4_000); // twice the TTL
            assertEquals(1, await(kv.get(bs("svc/a"))).getCount(), "kept alive past its TTL");
            assertTrue(renewals.size() >= 2, "renewals: " + renewals);
            assertEquals(2, renewals.peek().getTTL());
            keepAlive.close(); // the holder goes away
            WatchEvent deleted = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(deleted, "the key was not deleted after its lease expired");
            assertEquals(WatchEvent.EventType.DELETE, deleted.getEventType());
            assertEquals(0, await(kv.get(bs("svc/a"))).getCount());
            assertEquals(-1, await(lease.timeToLive(id, LeaseOption.DEFAULT)).getTTL());
        }
    }

    @Test
    void timeToLiveKeysAndRevokeThroughAFollower() throws Exception {
        Lease lease = followerOnly.getLeaseClient();
        long id = await(lease.grant(60)).getID();
        KV kv = followerOnly.getKVClient();
        await(kv.put(bs("ttl/a"), bs("1"), PutOption.builder().withLeaseId(id).build()));
        await(kv.put(bs("ttl/b"), bs("2"), PutOption.builder().withLeaseId(id).build()));
        LeaseTimeToLiveResponse ttl = await(lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
        assertEquals(60, ttl.getGrantedTTL());
        assertTrue(ttl.getTTL() > 50 && ttl.getTTL() <= 60, "remaining " + ttl.getTTL());
        assertEquals(List.of("ttl/a", "ttl/b"), ttl.getKeys().stream().map(k -> k.toString(StandardCharsets.UTF_8))
                .toList());
        assertEquals(60, await(lease.keepAliveOnce(id)).getTTL());
        await(lease.revoke(id));
        assertEquals(0, await(kv.get(bs("ttl/"), io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build()))
                .getCount());
        ExecutionException again = assertThrows(ExecutionException.class, () -> await(lease.revoke(id)));
        assertTrue(again.getCause().getMessage().contains("etcdserver: requested lease not found"),
                again.getCause().getMessage());
    }

    @Test
    void grantRulesAndErrorsAreEtcds() throws Exception {
        Lease lease = client.getLeaseClient();
        long id = await(lease.grant(1)).getID();
        assertTrue(id > 0);
        ExecutionException unknown = assertThrows(ExecutionException.class, () -> await(client.getKVClient()
                .put(bs("nolease"), bs("v"), PutOption.builder().withLeaseId(id + 12345).build())));
        assertTrue(unknown.getCause().getMessage().contains("etcdserver: requested lease not found"));
        ExecutionException tooLong = assertThrows(ExecutionException.class,
                () -> await(lease.grant(9_000_000_001L)));
        assertTrue(tooLong.getCause().getMessage().contains("etcdserver: too large lease TTL"));
    }
}
