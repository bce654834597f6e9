package io.flotilla.raft.core.runtime;

import static io.flotilla.raft.core.runtime.KvStateMachine.get;
import static io.flotilla.raft.core.runtime.KvStateMachine.put;
import static io.flotilla.raft.core.runtime.KvStateMachine.text;
import static io.flotilla.raft.core.runtime.RaftNodeRuntimeTest.await;
import static io.flotilla.raft.core.runtime.RaftNodeRuntimeTest.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.NodeClosedException;
import io.flotilla.raft.api.OverloadedException;
import io.flotilla.raft.api.ReadConsistency;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reads of a state machine whose queries may run concurrently ({@code StateMachine#concurrentQueries()}): they run on
 * the reader threads, never hold up applying, never wait for an apply they do not need, see every write a client saw
 * acknowledged, and are bounded and failed at close like every other request.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConcurrentReadsTest {

    private RuntimeCluster cluster;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (cluster != null) {
            for (KvStateMachine sm : cluster.machines.values()) {
                sm.applyGate.open();
                sm.batchGate.open();
                sm.queryGate.open();
            }
            cluster.close();
        }
    }

    private RaftNodeRuntime startAndElect(int maxPendingRequests) {
        cluster = new RuntimeCluster(3, RuntimeCluster.options().maxPendingRequests(maxPendingRequests).build(), 11);
        cluster.concurrentQueries = true;
        cluster.startAll();
        return cluster.awaitStableLeader();
    }

    @Test
    void queriesRunOnReaderThreadsAndSeeEveryPriorWrite() {
        RaftNodeRuntime leader = startAndElect(10_000);
        RaftNodeRuntime follower = cluster.followersOf(leader).get(0);
        for (int i = 1; i <= 20; i++) {
            await(leader.propose(put("x", "" + i)));
            assertEquals("" + i, text(await(leader.query(get("x")))), "linearizable read on the leader");
            assertEquals("" + i, text(await(follower.query(get("x")))), "linearizable read on a follower");
            assertEquals("" + i, text(await(leader.query(get("x"), ReadConsistency.LEASE))), "lease read");
        }
        for (KvStateMachine sm : cluster.machines.values()) {
            for (String thread : sm.queryThreads) {
                assertTrue(thread.startsWith("flotilla-read-"), "a query ran on " + thread);
            }
        }
    }

    @Test
    void aSlowQueryDoesNotHoldUpApplying() throws InterruptedException {
        RaftNodeRuntime leader = startAndElect(10_000);
        KvStateMachine sm = cluster.machines.get(leader.id());
        await(leader.propose(put("slow", "before")));
        sm.queryGate.close();
        CompletableFuture<byte[]> slowRead = leader.query(get("slow"));
        sm.queryGate.awaitArrivals(1);
        for (int i = 1; i <= 10; i++) {
            assertEquals(i == 1 ? "" : "" + (i - 1), text(await(leader.propose(put("y", "" + i)))),
                    "write " + i + " is applied and answered while a query runs");
        }
        assertFalse(slowRead.isDone());
        sm.queryGate.open();
        assertEquals("before", text(await(slowRead)));
    }

    @Test
    void aSerializableReadIsAnsweredWhileTheApplyThreadIsBusy() throws InterruptedException {
        RaftNodeRuntime leader = startAndElect(10_000);
        KvStateMachine sm = cluster.machines.get(leader.id());
        await(leader.propose(put("x", "1")));
        sm.applyGate.close();
        CompletableFuture<byte[]> stuck = leader.propose(put("slow", "1"));
        sm.applyGate.awaitArrivals(1);
        assertEquals("1", text(await(leader.query(get("x"), ReadConsistency.STALE))),
                "answered from what was applied, without waiting for the apply thread");
        assertFalse(stuck.isDone());
        sm.applyGate.open();
        await(stuck);
    }

    @Test
    void aWriteIsAcknowledgedOnlyOnceReadsOnThatMemberSeeIt() throws InterruptedException {
        RaftNodeRuntime leader = startAndElect(10_000);
        KvStateMachine sm = cluster.machines.get(leader.id());
        await(leader.propose(put("x", "1")));
        sm.batchGate.close();
        CompletableFuture<byte[]> write = leader.propose(put("x", "2"));
        sm.batchGate.awaitArrivals(1);
        // Applied, but its batch is not written: a reader would not see it, so its client must not be told yet.
        Thread.sleep(100);
        assertFalse(write.isDone(), "acknowledged before its batch was written");
        assertEquals("1", text(await(leader.query(get("x"), ReadConsistency.STALE))));
        sm.batchGate.open();
        await(write);
        assertEquals("2", text(await(leader.query(get("x"), ReadConsistency.STALE))),
                "a serializable read after the acknowledgement sees the write");
    }

    @Test
    void readsBeyondTheQueueBoundAreRefusedAndQueuedOnesFailAtClose() throws InterruptedException {
        int bound = 4;
        RaftNodeRuntime leader = startAndElect(bound);
        KvStateMachine sm = cluster.machines.get(leader.id());
        sm.queryGate.close();
        List<CompletableFuture<byte[]>> running = new ArrayList<>();
        for (int i = 0; i < RaftNodeRuntime.READER_THREADS; i++) {
            running.add(leader.query(get("slow"), ReadConsistency.STALE));
        }
        sm.queryGate.awaitArrivals(RaftNodeRuntime.READER_THREADS); // every reader thread is busy
        List<CompletableFuture<byte[]>> queued = new ArrayList<>();
        for (int i = 0; i < bound; i++) {
            queued.add(leader.query(get("x"), ReadConsistency.STALE));
        }
        assertInstanceOf(OverloadedException.class, failure(leader.query(get("x"), ReadConsistency.STALE)));
        // Close while the queries run: it waits for them (released below), fails the queued ones.
        Thread opener = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sm.queryGate.open();
        });
        opener.start();
        leader.close();
        opener.join();
        for (CompletableFuture<byte[]> q : queued) {
            assertInstanceOf(NodeClosedException.class, failure(q));
        }
        for (CompletableFuture<byte[]> r : running) {
            assertTrue(r.isDone(), "close returned while a query still ran");
        }
        assertInstanceOf(NodeClosedException.class, failure(leader.query(get("x"), ReadConsistency.STALE)));
    }
}
