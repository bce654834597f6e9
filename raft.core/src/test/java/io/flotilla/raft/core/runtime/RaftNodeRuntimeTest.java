package io.flotilla.raft.core.runtime;

import static io.flotilla.raft.core.runtime.KvStateMachine.get;
import static io.flotilla.raft.core.runtime.KvStateMachine.put;
import static io.flotilla.raft.core.runtime.KvStateMachine.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flotilla.raft.api.NodeClosedException;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.OverloadedException;
import io.flotilla.raft.api.RaftNode;
import io.flotilla.raft.api.RaftNodeConfig;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.RaftStatus;
import io.flotilla.raft.api.RaftTimeoutException;
import io.flotilla.raft.api.ReadConsistency;
import io.flotilla.raft.api.UnknownPluginException;
import io.flotilla.raft.api.spi.Plugins;
import io.flotilla.raft.api.spi.RaftEngineProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RaftNodeRuntime} end to end: three members on real threads over an in-JVM network, with small timings
 * (ticks of 5 ms, heartbeats every 20 ms, elections after 100–200 ms, requests time out after 500 ms).
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RaftNodeRuntimeTest {

    private static final long WAIT_SECONDS = 5;

    private RuntimeCluster cluster;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    private RuntimeCluster start(RaftOptions options) {
        cluster = new RuntimeCluster(3, options, 7);
        return cluster.startAll();
    }

    private RuntimeCluster start() {
        return start(RuntimeCluster.options().build());
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the request failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the request did not complete within " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits for the future to fail and returns why. */
    static Throwable failure(CompletableFuture<?> future) {
        return failure(future, WAIT_SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> future, long seconds) {
        try {
            Object value = future.get(seconds, TimeUnit.SECONDS);
            return fail("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return fail("the request neither completed nor failed within " + seconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ election

    @Test
    void threeMembersElectExactlyOneLeader() throws InterruptedException {
        start();
        cluster.awaitStableLeader();

        // Election Safety, sampled for a while: never two leaders in one term.
        long until = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < until) {
            Map<Long, NodeId> leaders = new HashMap<>();
            for (RaftNodeRuntime n : cluster.nodes.values()) {
                RaftStatus s = n.status();
                if (s.role() == RaftRole.LEADER) {
                    NodeId other = leaders.put(s.term(), s.id());
                    assertTrue(other == null, "two leaders in term " + s.term() + ": " + other + " and " + s.id());
                }
            }
            Thread.sleep(3);
        }
        RaftNodeRuntime still = cluster.awaitStableLeader();
        for (RaftNodeRuntime f : cluster.followersOf(still)) {
            assertEquals(RaftRole.FOLLOWER, f.status().role());
            assertEquals(Optional.of(still.id()), f.status().leader());
        }
    }

    // ------------------------------------------------------------------------------------------------ proposals

    @Test
    void aProposalOnTheLeaderReturnsTheResultAndEveryMemberAppliesInTheSameOrder() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();

        assertEquals("", text(await(leader.propose(put("a", "1")))));
        assertEquals("1", text(await(leader.propose(put("a", "2")))), "the state machine's result: the old value");

        List<CompletableFuture<byte[]>> concurrent = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            concurrent.add(leader.propose(put("k" + (i % 3), "v" + i)));
        }
        for (CompletableFuture<byte[]> f : concurrent) {
            await(f);
        }
        cluster.awaitApplied(32);

        List<String> order = cluster.machines.get(leader.id()).applied;
        assertEquals(32, order.size());
        for (Map.Entry<NodeId, KvStateMachine> e : cluster.machines.entrySet()) {
            assertEquals(order, e.getValue().applied, e.getKey() + " applied in another order");
        }
        // Results are the state machine's on the leader, in log order: each put returns the previous put's value.
        Map<String, String> last = new HashMap<>(Map.of("k0", "", "k1", "", "k2", ""));
        for (String applied : order.subList(2, order.size())) {
            String cmd = applied.substring(applied.indexOf(':') + 1);
            String key = cmd.substring(0, cmd.indexOf('='));
            int i = Integer.parseInt(cmd.substring(cmd.indexOf("=v") + 2));
            assertEquals(last.get(key), text(await(concurrent.get(i))), "result of " + cmd);
            last.put(key, "v" + i);
        }
    }

    @Test
    void aProposalOnAFollowerGoesToTheLeaderAndCompletesWithTheResultAppliedThere() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        RaftNodeRuntime follower = cluster.followersOf(leader).get(0);

        assertEquals("", text(await(follower.propose(put("f", "1")))));
        assertEquals("1", text(await(follower.propose(put("f", "2")))), "the state machine's result: the old value");
        // Completed on the follower means applied on the follower: a stale read there sees it at once.
        assertEquals("2", text(await(follower.query(get("f"), ReadConsistency.STALE))));
        cluster.awaitApplied(2);
        for (Map.Entry<NodeId, KvStateMachine> e : cluster.machines.entrySet()) {
            assertEquals(2, e.getValue().applied.size(), e.getKey() + " applied a forwarded proposal twice or not");
        }
    }

    @Test
    void concurrentProposalsOnEveryMemberAreEachAppliedOnceAndAnsweredWithTheirOwnResult() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        // Each key is written by one member only, in order, so each result (the previous value) is known exactly.
        Map<RaftNodeRuntime, List<CompletableFuture<byte[]>>> results = new HashMap<>();
        int perMember = 200;
        for (int i = 0; i < perMember; i++) {
            for (RaftNodeRuntime n : cluster.nodes.values()) {
                results.computeIfAbsent(n, k -> new ArrayList<>()).add(n.propose(put("by-" + n.id(), "" + i)));
            }
        }
        results.forEach((n, futures) -> {
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(i == 0 ? "" : "" + (i - 1), text(await(futures.get(i))),
                        "result " + i + " of " + n.id() + (n == leader ? " (leader)" : " (follower)"));
            }
        });
        int total = perMember * cluster.nodes.size();
        cluster.awaitApplied(total);
        for (Map.Entry<NodeId, KvStateMachine> e : cluster.machines.entrySet()) {
            assertEquals(total, e.getValue().applied.size(), e.getKey() + " applied a proposal twice or lost one");
        }
    }

    private RaftNodeRuntime isolateAFollowerUntilItForgetsTheLeader(RaftNodeRuntime leader) {
        RaftNodeRuntime follower = cluster.followersOf(leader).get(0);
        cluster.network.isolate(follower.id());
        RuntimeCluster.await(() -> follower.status().leader().isEmpty(), 5_000,
                "the cut-off follower times out and forgets the leader");
        return follower;
    }

    @Test
    void aProposalOnAMemberThatKnowsNoLeaderFailsWithNotLeaderAndHasNoEffect() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        RaftNodeRuntime follower = isolateAFollowerUntilItForgetsTheLeader(leader);

        Throwable t = failure(follower.propose(put("a", "1")));
        NotLeaderException notLeader = assertInstanceOf(NotLeaderException.class, t);
        assertTrue(notLeader.isRetryable());
        cluster.network.heal(follower.id());
        await(leader.propose(put("b", "1")));
        cluster.awaitApplied(1);
        assertTrue(cluster.machines.values().stream().allMatch(m -> m.applied.size() == 1),
                "the refusal had an effect");
    }

    // ------------------------------------------------------------------------------------------------ reads

    @Test
    void readBarrierAndQueryOnTheLeaderSeeEveryPriorWrite() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        KvStateMachine sm = cluster.machines.get(leader.id());
        for (int i = 1; i <= 10; i++) {
            await(leader.propose(put("x", "" + i)));
            assertEquals("" + i, text(await(leader.query(get("x")))), "linearizable query after write " + i);
            String lastApplied = sm.applied.get(sm.applied.size() - 1);
            long writeIndex = Long.parseLong(lastApplied.substring(0, lastApplied.indexOf(':')));
            long barrier = await(leader.readBarrier());
            assertTrue(barrier >= writeIndex, "barrier at " + barrier + " is before the write at " + writeIndex);
        }
        assertEquals("10", text(await(leader.query(get("x"), ReadConsistency.LEASE))));
    }

    @Test
    void aLinearizableQueryOnAFollowerIsForwardedAndSeesEveryPriorWrite() {
        // ReadConsistency.LINEARIZABLE documents follower reads: the follower asks the leader for the read index.
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        for (RaftNodeRuntime follower : cluster.followersOf(leader)) {
            for (int i = 1; i <= 5; i++) {
                await(leader.propose(put("y", follower.id() + "-" + i)));
                assertEquals(follower.id() + "-" + i, text(await(follower.query(get("y")))),
                        follower.id() + " answered from before the write had been applied there");
            }
        }
        RaftNodeRuntime follower = cluster.followersOf(leader).get(0);
        RuntimeCluster.await(() -> text(follower.query(get("y"), ReadConsistency.STALE).join()).endsWith("-5"),
                5_000, "a stale read eventually sees the write");
    }

    @Test
    void aQueryOnAMemberThatKnowsNoLeaderFailsWithNotLeader() {
        start();
        RaftNodeRuntime follower = isolateAFollowerUntilItForgetsTheLeader(cluster.awaitStableLeader());

        Throwable t = failure(follower.query(get("x")));
        NotLeaderException notLeader = assertInstanceOf(NotLeaderException.class, t);
        assertTrue(notLeader.isRetryable());
        assertInstanceOf(NotLeaderException.class, failure(follower.readBarrier()));
    }

    @Test
    void pendingReadsOnALeaderThatStepsDownFailWithNotLeader() {
        // A long request timeout: the read must fail because leadership is lost, not because time ran out.
        start(RuntimeCluster.options().requestTimeoutMillis(3_000).build());
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        cluster.network.isolate(leader.id());
        long t0 = System.nanoTime();
        Throwable t = failure(leader.readBarrier());
        long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;
        assertInstanceOf(NotLeaderException.class, t, "check-quorum should depose the cut-off leader and fail its read");
        assertTrue(elapsedMillis < 3_000, "failed only after " + elapsedMillis + " ms");
    }

    // ------------------------------------------------------------------------------------------------ load

    @Test
    void excessRequestsFailFastWithRetryableOverloadedWhileTheLoopIsBusy() throws InterruptedException {
        start(RuntimeCluster.options().maxPendingRequests(4).build());
        RaftNodeRuntime leader = cluster.awaitStableLeader();

        // The leader's loop gets stuck sending the entry of "first" (the disk no longer holds it up: it has a thread).
        CountDownLatch busy = cluster.network.holdNextSend(m -> m.from().equals(leader.id())
                && m instanceof io.flotilla.raft.api.message.AppendEntriesRequest a && !a.entries().isEmpty());
        CompletableFuture<byte[]> first = leader.propose(put("first", "0"));
        assertTrue(busy.await(WAIT_SECONDS, TimeUnit.SECONDS), "the leader never sent");

        // The loop is stuck: requests queue, and only 4 may.
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(leader.propose(put("p" + i, "" + i)));
        }
        List<Integer> refused = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            CompletableFuture<byte[]> f = futures.get(i);
            if (f.isCompletedExceptionally()) {
                Throwable t = failure(f);
                OverloadedException o = assertInstanceOf(OverloadedException.class, t);
                assertTrue(o.isRetryable());
                refused.add(i);
            }
        }
        cluster.network.releaseSends();
        assertEquals(6, refused.size(), "10 requests against a queue of 4: refused " + refused);
        assertEquals(List.of(4, 5, 6, 7, 8, 9), refused, "the first 4 are queued, the rest refused");

        await(first);
        for (int i = 0; i < 4; i++) {
            assertEquals("", text(await(futures.get(i))));
        }
        cluster.awaitApplied(5);
        await(leader.readBarrier());
        List<String> commands = cluster.machines.get(leader.id()).commands();
        for (int i : refused) {
            assertTrue(!commands.contains("p" + i + "=" + i), "a refused request was applied: p" + i);
        }
    }

    @Test
    void concurrentProposalsShareDurableWrites() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        TestLogStore store = cluster.stores.get(leader.id());
        store.writeDelayMillis = 2; // an fsync

        int n = 200;
        int before = store.writes.get();
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(leader.propose(put("g" + i, "" + i)));
        }
        for (CompletableFuture<byte[]> f : futures) {
            assertEquals("", text(await(f)));
        }
        int writes = store.writes.get() - before;
        assertTrue(writes >= 1);
        assertTrue(writes < n, n + " proposals took " + writes + " writes: no group commit");
        assertTrue(writes <= n / 2, n + " proposals took " + writes + " writes: batches are too small");
    }

    @Test
    void aProposalOnACutOffLeaderTimesOut() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        cluster.network.isolate(leader.id());

        long t0 = System.nanoTime();
        CompletableFuture<byte[]> f = leader.propose(put("lost", "1"));
        Throwable t = failure(f);
        long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;

        RaftTimeoutException timeout = assertInstanceOf(RaftTimeoutException.class, t);
        assertTrue(timeout.isRetryable());
        long limit = cluster.options.requestTimeoutMillis();
        assertTrue(elapsedMillis >= limit - 5, "timed out after " + elapsedMillis + " ms, before the " + limit + " ms");
        assertTrue(elapsedMillis < limit + 2_000, "timed out only after " + elapsedMillis + " ms");
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    @Test
    void closeFailsPendingRequestsAndEveryLaterCall() {
        // No check-quorum and a long timeout: the requests stay pending until close().
        start(RuntimeCluster.options().checkQuorum(false).requestTimeoutMillis(10_000).build());
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        long lastIndex = leader.status().lastLogIndex();
        cluster.network.isolate(leader.id());

        CompletableFuture<byte[]> proposal = leader.propose(put("p", "1"));
        CompletableFuture<Long> barrier = leader.readBarrier();
        CompletableFuture<byte[]> query = leader.query(get("p"));
        RuntimeCluster.await(() -> leader.status().lastLogIndex() > lastIndex, 5_000, "the proposal is in the log");
        assertTrue(!proposal.isDone() && !barrier.isDone() && !query.isDone());

        leader.close();

        assertInstanceOf(NodeClosedException.class, failure(proposal));
        assertInstanceOf(NodeClosedException.class, failure(barrier));
        assertInstanceOf(NodeClosedException.class, failure(query));

        CompletableFuture<byte[]> later = leader.propose(put("q", "1"));
        assertTrue(later.isCompletedExceptionally(), "a call after close() must fail at once");
        assertInstanceOf(NodeClosedException.class, failure(later));
        assertInstanceOf(NodeClosedException.class, failure(leader.readBarrier()));
        assertInstanceOf(NodeClosedException.class, failure(leader.query(get("p"))));
        assertInstanceOf(NodeClosedException.class, failure(leader.query(get("p"), ReadConsistency.STALE)));

        leader.close(); // idempotent
        assertEquals(1, cluster.stores.get(leader.id()).closes.get(), "the log store is closed exactly once");
        assertTrue(cluster.transports.get(leader.id()).closed, "the transport is closed");
    }

    @Test
    void aRestartedFollowerCatchesUpAndReappliesTheSameCommands() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        for (int i = 0; i < 5; i++) {
            await(leader.propose(put("r" + i, "" + i)));
        }
        cluster.awaitApplied(5);

        RaftNodeRuntime follower = cluster.followersOf(leader).get(0);
        NodeId id = follower.id();
        long termBefore = follower.status().term();
        follower.close();
        cluster.nodes.remove(id);
        for (int i = 5; i < 10; i++) {
            await(leader.propose(put("r" + i, "" + i)));  // committed by the two remaining members
        }

        RaftNodeRuntime restarted = cluster.start(id);
        assertNotSame(follower, restarted);
        assertTrue(restarted.status().term() >= termBefore, "the term was recovered from the store");
        cluster.awaitApplied(10);
        assertEquals(cluster.machines.get(leader.id()).applied, cluster.machines.get(id).applied,
                "the restarted member re-applied the same commands at the same indexes");
        assertEquals("9", text(await(leader.query(get("r9")))));
        assertEquals(leader.id(), cluster.awaitStableLeader().id(), "the restart did not disturb the leader");
    }

    @Test
    void aLeaderCommitsThroughItsFollowersWhileItsOwnWriteIsUnderWay() throws InterruptedException {
        // Elections after 1-2 s: the leader's disk counts as hung only after 1 s (see the next test).
        start(RuntimeCluster.options().electionTimeoutMillis(1_000, 2_000).requestTimeoutMillis(5_000).build());
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        TestLogStore store = cluster.stores.get(leader.id());

        CountDownLatch busy = store.holdNextWrite(false);
        CompletableFuture<byte[]> write = leader.propose(put("a", "1"));
        assertTrue(busy.await(WAIT_SECONDS, TimeUnit.SECONDS), "the leader never wrote");

        // The disk thread is stuck in the leader's write, its event loop is not: it counts the followers' durable
        // acknowledgements (a quorum without itself), commits, and tells them, so they apply.
        for (RaftNodeRuntime f : cluster.followersOf(leader)) {
            RuntimeCluster.await(() -> cluster.machines.get(f.id()).commands().contains("a=1"), 900,
                    f.id() + " applies the write while the leader's own write is held");
        }
        // The leader itself applies, and answers, only what is on its own disk.
        assertTrue(!write.isDone(), "the leader answered before its own write returned");
        assertTrue(!cluster.machines.get(leader.id()).commands().contains("a=1"));

        store.release();
        assertEquals("", text(await(write)));
        assertEquals(leader.id(), cluster.awaitStableLeader().id());
    }

    @Test
    void aLeaderWhoseDiskHangsStopsLeadingSoAnotherMemberCanAnswer() throws InterruptedException {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        TestLogStore store = cluster.stores.get(leader.id());

        CountDownLatch busy = store.holdNextWrite(false);
        leader.propose(put("a", "1"));
        assertTrue(busy.await(WAIT_SECONDS, TimeUnit.SECONDS), "the leader never wrote");

        // A write that takes longer than the shortest election timeout (100 ms here) counts as a hung disk: the
        // leader stops heartbeating until it returns, as one writing on its own loop would, and another member leads.
        RuntimeCluster.await(() -> cluster.followersOf(leader).stream()
                .anyMatch(f -> f.status().role() == RaftRole.LEADER), 3_000, "a follower takes over");
        store.release();

        RaftNodeRuntime next = cluster.awaitStableLeader();
        assertTrue(!next.id().equals(leader.id()), "the member with the hung disk still leads");
        assertEquals("", text(await(next.propose(put("b", "2")))));
        assertEquals("2", text(await(leader.query(get("b")))), "the old leader follows and catches up");
    }

    @Test
    void requestsQueuedWhenTheLoopStopsOnAFatalErrorAreFailed() throws InterruptedException {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        TestLogStore store = cluster.stores.get(leader.id());

        CountDownLatch busy = store.holdNextWrite(true);   // the next write blocks, then fails like a dead disk
        CompletableFuture<byte[]> inWrite = leader.propose(put("a", "1"));
        assertTrue(busy.await(WAIT_SECONDS, TimeUnit.SECONDS));
        // The loop does not wait for the disk: hold it in a send, so the next requests queue in front of the failure.
        CountDownLatch loopHeld = cluster.network.holdNextSend(m -> m.from().equals(leader.id()));
        assertTrue(loopHeld.await(WAIT_SECONDS, TimeUnit.SECONDS));
        CompletableFuture<byte[]> queued = leader.propose(put("b", "2"));
        CompletableFuture<Long> queuedRead = leader.readBarrier();
        store.release();
        cluster.network.releaseSends();

        assertInstanceOf(NodeClosedException.class, failure(inWrite));
        assertInstanceOf(NodeClosedException.class, failure(leader.propose(put("c", "3"))));
        // Requests that were waiting in the queue when the loop died have no deadline any more: they must be failed.
        assertInstanceOf(NodeClosedException.class, failure(queued, 2));
        assertInstanceOf(NodeClosedException.class, failure(queuedRead, 2));
    }

    @Test
    void closeAfterAFatalErrorStillClosesTheTransportAndTheStore() throws InterruptedException {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        TestLogStore store = cluster.stores.get(leader.id());
        CountDownLatch busy = store.holdNextWrite(true);
        CompletableFuture<byte[]> inWrite = leader.propose(put("a", "1"));
        assertTrue(busy.await(WAIT_SECONDS, TimeUnit.SECONDS));
        store.release();
        assertInstanceOf(NodeClosedException.class, failure(inWrite));

        leader.close();

        assertTrue(cluster.transports.get(leader.id()).closed, "close() after a fatal error left the transport open");
        assertEquals(1, store.closes.get(), "close() after a fatal error left the log store open");
    }

    // ------------------------------------------------------------------------------------------------ plugins

    @Test
    void theEngineIsFoundByNameAndAnUnknownLogStoreNamesTheAvailableOnes(@TempDir Path dir) {
        RaftEngineProvider engine = Plugins.engine("flotilla");
        assertInstanceOf(FlotillaEngineProvider.class, engine);
        assertEquals("flotilla", engine.name());

        RaftOptions options = RaftOptions.builder().logStore("no-such-store").transport("grpc").build();
        NodeId n1 = NodeId.of("n1");
        RaftNodeConfig config = new RaftNodeConfig(n1, Map.of(n1, "127.0.0.1:7001"), dir, options, Map.of(), Map.of());
        UnknownPluginException e = assertThrows(UnknownPluginException.class,
                () -> engine.start(config, new KvStateMachine()).close());
        assertTrue(e.getMessage().contains("no-such-store"), e.getMessage());
        assertTrue(e.getMessage().contains("memory"), "the message should list the available stores: " + e.getMessage());

        UnknownPluginException noEngine = assertThrows(UnknownPluginException.class, () -> Plugins.engine("nope"));
        assertTrue(noEngine.getMessage().contains("flotilla"), noEngine.getMessage());
    }

    @Test
    void statusReflectsTheLeadersProgress() {
        start();
        RaftNodeRuntime leader = cluster.awaitStableLeader();
        await(leader.propose(put("s", "1")));
        // status() is a snapshot published once per loop iteration: it may trail the completed future briefly.
        RuntimeCluster.await(() -> leader.status().commitIndex() >= 2 && leader.status().appliedIndex() >= 2, 5_000,
                "status shows the no-op and the command committed and applied");
        RaftStatus s = leader.status();
        assertEquals(RaftRole.LEADER, s.role());
        assertEquals(leader.id(), s.id());
        assertEquals(Optional.of(leader.id()), s.leader());
        assertTrue(s.lastLogIndex() >= s.commitIndex(), s.toString());
        for (RaftNodeRuntime f : cluster.followersOf(leader)) {
            RuntimeCluster.await(() -> f.status().commitIndex() >= 2, 5_000, f.id() + " learns the commit index");
        }
        RaftNode asApi = leader;
        assertEquals(leader.id(), asApi.id());
    }
}
