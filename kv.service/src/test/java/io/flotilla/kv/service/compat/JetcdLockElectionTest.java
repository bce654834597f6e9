package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderResponse;
import io.flotilla.kv.service.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jetcd's own Lock and Election clients, unchanged, against a three-member cluster (etcd's v3lock and v3election). */
class JetcdLockElectionTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;
    private static List<Client> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = TestCluster.start(3, data, TestCluster.FAST);
        cluster.awaitLeader(Duration.ofSeconds(10));
        for (int m = 0; m < 3; m++) {
            clients.add(Client.builder().endpoints("http://" + cluster.member(m).clientAddress()).build());
        }
    }

    @AfterAll
    static void stop() {
        clients.forEach(Client::close);
        cluster.close();
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String str(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(15, TimeUnit.SECONDS);
    }

    private static long lease(Client c, long ttl) throws Exception {
        return await(c.getLeaseClient().grant(ttl)).getID();
    }

    @Test
    void aLockIsHeldByOneClientAtATime() throws Exception {
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger entries = new AtomicInteger();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            Client c = clients.get(w % 3); // on every member
            long lease = lease(c, 30);
            workers.add(CompletableFuture.runAsync(() -> {
                try {
                    Lock lock = c.getLockClient();
                    for (int i = 0; i < 10; i++) {
                        ByteSequence key = await(lock.lock(bs("mx"), lease)).getKey();
                        if (holders.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        entries.incrementAndGet();
                        Thread.sleep(5);
                        holders.decrementAndGet();
                        await(lock.unlock(key));
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        assertEquals(0, overlaps.get(), "two clients held the lock at once");
        assertEquals(40, entries.get());
    }

    @Test
    void aLockPassesOnWhenItsHoldersLeaseExpires() throws Exception {
        Lock first = clients.get(0).getLockClient();
        String held = str(await(first.lock(bs("lx"), lease(clients.get(0), 2))).getKey());
        assertTrue(held.startsWith("lx/"), held);
        CompletableFuture<io.etcd.jetcd.lock.LockResponse> second = clients.get(1).getLockClient()
                .lock(bs("lx"), lease(clients.get(1), 30));
        assertThrows(TimeoutException.class, () -> second.get(500, TimeUnit.MILLISECONDS));
        // Nobody keeps the first lease alive: it expires, its key is deleted, the waiter gets the lock.
        String next = str(second.get(15, TimeUnit.SECONDS).getKey());
        assertFalse(next.equals(held));
        assertEquals(0, await(clients.get(2).getKVClient().get(bs(held))).getCount());
    }

    @Test
    void aWaitingCandidatesLeaseIsKeptAliveByTheServerAsEtcdsIs() throws Exception {
        Election a = clients.get(0).getElectionClient();
        CampaignResponse first = await(a.campaign(bs("kept"), lease(clients.get(0), 60), bs("a")));
        // b's lease has a 2 s TTL and nobody on b's side renews it: only the waiting campaign keeps it.
        CompletableFuture<CampaignResponse> waiting = clients.get(1).getElectionClient()
                .campaign(bs("kept"), lease(clients.get(1), 2), bs("b"));
        Thread.sleep(5_000);
        await(a.resign(first.getLeader()));
        waiting.get(15, TimeUnit.SECONDS);
        assertEquals("b", str(await(a.leader(bs("kept"))).getKv().getValue()));
    }

    @Test
    void anElectionHandsOverAndObserversSeeEveryLeader() throws Exception {
        Election a = clients.get(0).getElectionClient();
        Election b = clients.get(1).getElectionClient();
        BlockingQueue<String> observed = new LinkedBlockingQueue<>();
        clients.get(2).getElectionClient().observe(bs("el"), new Election.Listener() {
            @Override
            public void onNext(LeaderResponse r) {
                observed.add(str(r.getKv().getValue()));
            }

            @Override
            public void onError(Throwable t) {
                observed.add("error: " + t);
            }

            @Override
            public void onCompleted() {
            }
        });
        CampaignResponse won = await(a.campaign(bs("el"), lease(clients.get(0), 30), bs("a")));
        assertEquals("a", str(await(b.leader(bs("el"))).getKv().getValue()));
        assertEquals("a", observed.poll(10, TimeUnit.SECONDS));
        CompletableFuture<CampaignResponse> waiting = b.campaign(bs("el"), lease(clients.get(1), 30), bs("b"));
        assertThrows(TimeoutException.class, () -> waiting.get(500, TimeUnit.MILLISECONDS));
        await(a.proclaim(won.getLeader(), bs("a2")));
        assertEquals("a2", observed.poll(10, TimeUnit.SECONDS));
        await(a.resign(won.getLeader()));
        CampaignResponse next = waiting.get(15, TimeUnit.SECONDS);
        assertEquals("b", str(await(a.leader(bs("el"))).getKv().getValue()));
        assertEquals("b", observed.poll(10, TimeUnit.SECONDS));
        ExecutionException stale = assertThrows(ExecutionException.class,
                () -> await(a.proclaim(won.getLeader(), bs("again"))));
        // jetcd recognizes etcd's exact message "election: not leader" and raises its own exception for it.
        assertInstanceOf(io.etcd.jetcd.election.NotLeaderException.class, stale.getCause());
        await(b.resign(next.getLeader()));
        ExecutionException none = assertThrows(ExecutionException.class, () -> await(a.leader(bs("el"))));
        assertInstanceOf(io.etcd.jetcd.election.NoLeaderException.class, none.getCause());
    }
}
