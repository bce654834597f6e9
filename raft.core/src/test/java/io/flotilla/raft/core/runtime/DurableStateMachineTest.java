package io.flotilla.raft.core.runtime;

import static io.flotilla.raft.core.runtime.RuntimeCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.core.protocol.SnapshotFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State machines that keep their state on disk (thesis §5.2), with real threads: a restarted member resumes from the
 * state machine's own applied index and replays only the log after it; one that lost its newest changes below the
 * newest snapshot gets the snapshot; {@code skip} keeps its index in step with the engine's; snapshots are written from
 * a view off the apply thread, the log compacted only once the file is durable, and installed on followers like any
 * other (Raft §7).
 */
class DurableStateMachineTest extends DurableClusterTestBase {

    @Test
    void aRestartedMemberResumesFromItsStateMachineAndReplaysOnlyTheEntriesAfterIt() throws Exception {
        IDS.forEach(this::start);
        RaftNodeRuntime leader = leader();
        putAll(leader, 0, 25);
        NodeId follower = followerOf(leader);
        awaitCaughtUp(follower, leader);
        await(() -> newestSnapshotIndex(dirOf(follower)) > 0, 5_000, "the follower takes a snapshot");
        putAll(leader, 25, 28); // past the snapshot, below the next threshold
        awaitCaughtUp(follower, leader);
        long resumeAt = disks.get(follower).index();
        long snapshotAt = newestSnapshotIndex(dirOf(follower));
        assertTrue(snapshotAt < resumeAt,
                "the snapshot (" + snapshotAt + ") is older than the state (" + resumeAt + ")");

        nodes.remove(follower).close();
        putAll(leader, 28, 36); // 8 commands the follower's log does not have
        RaftNodeRuntime restarted = start(follower);
        DurableKvStateMachine sm = machines.get(follower);
        assertEquals(resumeAt, restarted.status().appliedIndex(), "applying resumes at the state machine's index");
        assertTrue(restarted.status().commitIndex() >= resumeAt, "and the protocol's commit index with it");
        awaitCaughtUp(follower, leader);

        assertEquals(0, sm.restores.get(), "the snapshot was not restored over the state machine's own state");
        assertEquals(8, sm.applies.get(), "only the entries after the state machine's index were applied");
        await(() -> sm.batches.get() > 0, 5_000, "the engine announces each batch it applied (batchApplied)");
        assertEquals("v0", KvStateMachine.text(sm.query(KvStateMachine.get("k0"))));
        assertEquals("v35", KvStateMachine.text(sm.query(KvStateMachine.get("k35"))));
    }

    @Test
    void aStateMachineThatLostItsNewestChangesReplaysThemFromItsOwnLogWithoutTheSnapshot() throws Exception {
        IDS.forEach(this::start);
        RaftNodeRuntime leader = leader();
        putAll(leader, 0, 25);
        NodeId follower = followerOf(leader);
        awaitCaughtUp(follower, leader);
        await(() -> newestSnapshotIndex(dirOf(follower)) > 0, 5_000, "the follower takes a snapshot");
        DurableKvStateMachine.Disk older = disks.get(follower).copy();
        putAll(leader, 25, 30);
        awaitCaughtUp(follower, leader);
        assertTrue(newestSnapshotIndex(dirOf(follower)) <= older.index(), "no newer snapshot than the copy");

        nodes.remove(follower).close();
        disks.get(follower).resetTo(older); // say a power failure lost what the disk had not synced
        start(follower);
        DurableKvStateMachine sm = machines.get(follower);
        awaitCaughtUp(follower, leader);

        assertEquals(0, sm.restores.get(), "the state machine is still ahead of the snapshot: no restore");
        assertEquals(5, sm.applies.get(), "the 5 commands after the copy were replayed from the log");
    }

    @Test
    void aStateMachineBehindTheNewestSnapshotGetsTheSnapshotAndTheLogAfterIt() throws Exception {
        IDS.forEach(this::start);
        RaftNodeRuntime leader = leader();
        putAll(leader, 0, 5);
        NodeId follower = followerOf(leader);
        awaitCaughtUp(follower, leader);
        DurableKvStateMachine.Disk older = disks.get(follower).copy();
        putAll(leader, 5, 60);
        awaitCaughtUp(follower, leader);
        TestLogStore log = stores.get(follower);
        await(() -> log.firstIndex() > older.index() + 1, 5_000,
                "the follower compacts its log past the old copy's index " + older.index());

        nodes.remove(follower).close();
        disks.get(follower).resetTo(older);
        long snapshotAt = newestSnapshotIndex(dirOf(follower));
        start(follower);
        DurableKvStateMachine sm = machines.get(follower);
        assertEquals(List.of(snapshotAt), sm.restoredAt, "the newest snapshot was restored, with its index");
        awaitCaughtUp(follower, leader);

        assertEquals(leader.status().lastLogIndex() - snapshotAt, sm.applies.get(),
                "the log after the snapshot was replayed (only commands there)");
        assertEquals(disks.get(leader.id()).data(), sm.data(), "the same state as the leader's");
    }

    @Test
    void skipKeepsTheStateMachinesIndexEqualToTheAppliedIndexThroughElectionsAndMembershipChanges() throws Exception {
        IDS.forEach(this::start);
        RaftNodeRuntime first = leader();
        putAll(first, 0, 3);
        NodeId target = followerOf(first);
        first.transferLeadership(target).get(5, TimeUnit.SECONDS); // a new leader appends a no-op (Raft §8)
        RaftNodeRuntime leader = nodes.get(target);
        await(() -> leader.status().role() == RaftRole.LEADER, 5_000, target + " leads");
        putAll(leader, 3, 6);
        NodeId other = IDS.stream().filter(id -> !id.equals(target) && !id.equals(first.id())).findFirst()
                .orElseThrow();
        // A membership change (a learner that never shows up; the voters stay, so restarts below keep a quorum).
        Map<NodeId, String> voters = new TreeMap<>();
        IDS.forEach(id -> voters.put(id, id.value()));
        leader.changeMembership(voters, Map.of(NodeId.of("n4"), "n4")).get(5, TimeUnit.SECONDS);
        putAll(leader, 6, 9);

        for (NodeId id : IDS) {
            await(() -> nodes.get(id).status().appliedIndex() == leader.status().lastLogIndex(), 5_000,
                    id + " applies everything");
            assertEquals(nodes.get(id).status().appliedIndex(), machines.get(id).lastAppliedIndex(),
                    id + ": the state machine's index is the applied index");
            assertTrue(machines.get(id).skips.get() >= 3, id + " was told of two no-ops and a configuration: "
                    + machines.get(id).skips.get());
        }

        // A restart resumes at that index with nothing to reapply, and in the configuration the log says.
        nodes.remove(other).close();
        RaftNodeRuntime restarted = start(other);
        assertEquals(leader.status().lastLogIndex(), restarted.status().appliedIndex());
        putAll(leader, 9, 40); // enough for the restarted member to take a snapshot of its own
        awaitCaughtUp(other, leader);
        await(() -> newestSnapshotIndex(dirOf(other)) > 0, 5_000, other + " takes a snapshot");
        DurableKvStateMachine sm = machines.get(other);
        assertEquals(0, sm.restores.get());
        assertEquals(31, sm.applies.get(), "only the commands proposed after the restart were applied");
        assertEquals(Set.of(NodeId.of("n4")),
                snapshotAt(dirOf(other), newestSnapshotIndex(dirOf(other))).header().membership().config().learners(),
                "the snapshot records the configuration from the log, found when resuming");
    }

    @Test
    void aSnapshotIsWrittenFromAViewInTheBackgroundWhileApplyingGoesOn() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        IDS.forEach(id -> start(id, sm -> sm.writeGate = gate));
        RaftNodeRuntime leader = leader();
        DurableKvStateMachine sm = machines.get(leader.id());
        putAll(leader, 0, 25);
        assertTrue(sm.writeStarted.await(5, TimeUnit.SECONDS), "the leader started writing a view");
        long viewIndex = sm.viewsAt.get(0);
        long viewTerm = leader.status().term();

        // The write is blocked; proposals are still applied and answered, well past the next threshold.
        long t0 = System.nanoTime();
        putAll(leader, 25, 55);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(leader.status().appliedIndex() >= viewIndex + 30, "applying went on while the view was written");
        assertEquals(1, sm.viewsOpened.get(), "no second snapshot while one is in flight");
        assertEquals(0, newestSnapshotIndex(dirOf(leader.id())), "no snapshot file before the write completes");
        assertEquals(1, stores.get(leader.id()).firstIndex(), "no compaction before the snapshot is durable");

        gate.countDown();
        await(() -> newestSnapshotIndex(dirOf(leader.id())) >= viewIndex, 5_000, "the snapshot file appears");
        await(() -> stores.get(leader.id()).firstIndex() >= viewIndex - 5 + 1, 5_000,
                "the log is compacted behind the snapshot, keeping 5 entries");
        SnapshotFormat.Decoded written = snapshotAt(dirOf(leader.id()), viewIndex);
        assertEquals(viewIndex, written.header().index());
        assertEquals(viewTerm, written.header().term());
        assertEquals(Set.copyOf(IDS), written.header().membership().config().voters());
        String data = KvStateMachine.text(written.data());
        assertTrue(data.contains("k0=v0\n") && !data.contains("k30="), "the view's state, not a later one: " + data);
        assertTrue(sm.writerThreads.stream().allMatch(t -> t.equals("flotilla-snapshot-" + leader.id())),
                "written on the snapshot writer thread: " + sm.writerThreads);
        // The thresholds passed meanwhile are checked as soon as the write completes, though no entry comes: a
        // second snapshot, at the (idle) applied index.
        long idleAt = leader.status().appliedIndex();
        await(() -> newestSnapshotIndex(dirOf(leader.id())) == idleAt, 5_000,
                "a snapshot at " + idleAt + " right after the blocked one, with no new entry");
        await(() -> sm.viewsClosed.get() == sm.viewsOpened.get(), 5_000, "every view is closed");
        assertTrue(millis < 5_000, "30 proposals took " + millis + " ms");
    }

    @Test
    void aWipedFollowerReceivesTheSnapshotWrittenFromAViewAndConverges() throws Exception {
        IDS.forEach(this::start);
        NodeId wiped = followerOf(leader());
        nodes.remove(wiped).close();
        RaftNodeRuntime leader = putAll(leader(), 0, 60);
        DurableKvStateMachine leaderSm = machines.get(leader.id());
        await(() -> stores.get(leader.id()).firstIndex() > 1, 5_000, "the leader compacts its log");
        assertTrue(leaderSm.viewsWritten.get() >= 1, "the leader's snapshots come from views (written before the"
                + " file is published, so before compaction)");
        awaitSnapshotsSettled(leader.id()); // so that the follower installs exactly one

        // A new disk, an empty log, no snapshot: the member lost everything.
        wipe(wiped);
        start(wiped);
        DurableKvStateMachine sm = machines.get(wiped);
        awaitCaughtUp(wiped, leader);

        // Usually one install; two if the leader had started sending its older snapshot (kept: the newest two are)
        // before the member came back — it then needs the newer one, as the log after the older one is compacted.
        assertTrue(sm.restores.get() >= 1, "the state came from InstallSnapshot");
        assertTrue(leaderSm.viewsAt.containsAll(sm.restoredAt), "the snapshots installed " + sm.restoredAt
                + " are ones the leader wrote from views " + leaderSm.viewsAt);
        long installed = sm.restoredAt.get(sm.restoredAt.size() - 1);
        assertEquals(newestSnapshotIndex(dirOf(leader.id())), installed, "the last one installed is the newest");
        assertEquals(leader.status().lastLogIndex() - installed, sm.applies.get(), "then the log after it");
        assertTrue(newestSnapshotIndex(dirOf(wiped)) >= installed, "the follower kept the snapshot");
    }

    @Test
    void aSnapshotInstalledWhileTheMembersOwnWriteIsInFlightCancelsItAndWaitsForItsView() throws Exception {
        IDS.forEach(this::start);
        RaftNodeRuntime leader = leader();
        NodeId follower = followerOf(leader);
        DurableKvStateMachine sm = machines.get(follower);
        sm.writeGate = new CountDownLatch(1); // never opened: the follower's own write blocks for good
        putAll(leader, 0, 25);
        assertTrue(sm.writeStarted.await(5, TimeUnit.SECONDS), "the follower started writing a view");
        long blockedAt = sm.viewsAt.get(0);

        network.isolate(follower);
        putAll(leader, 25, 80);
        long followerLast = stores.get(follower).lastIndex();
        await(() -> stores.get(leader.id()).firstIndex() - 1 > followerLast, 5_000,
                "the leader compacts past the follower's log");
        awaitSnapshotsSettled(leader.id()); // so that the follower installs exactly one
        network.heal(follower);
        awaitCaughtUp(follower, leader);

        assertEquals(1, sm.restores.get(), "the leader's snapshot was installed: " + sm.restoredAt + ", leader's views "
                + machines.get(leader.id()).viewsAt);
        assertEquals(1, sm.viewsClosed.get(), "the blocked view was closed (before the restore: see violations)");
        // (Its later snapshots block at the gate too, so look for the cancelled one's files only.)
        assertTrue(Files.notExists(dirOf(follower).resolve("snapshot-" + blockedAt + ".writing.tmp")),
                "the cancelled write left no temporary file");
        assertTrue(files(dirOf(follower), ".snap").stream()
                        .noneMatch(p -> p.getFileName().toString().startsWith("snapshot-" + blockedAt + "-")),
                "the cancelled write published nothing");
    }

    @Test
    void closeDoesNotWaitForABlockedSnapshotWriteAndLeavesNoPartialFile() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        IDS.forEach(id -> start(id, sm -> sm.writeGate = gate));
        RaftNodeRuntime leader = leader();
        DurableKvStateMachine sm = machines.get(leader.id());
        putAll(leader, 0, 25);
        assertTrue(sm.writeStarted.await(5, TimeUnit.SECONDS));

        long t0 = System.nanoTime();
        nodes.remove(leader.id()).close();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(millis < 2_000, "close took " + millis + " ms");
        assertEquals(1, sm.viewsClosed.get(), "the view was closed");
        assertEquals(List.of(), files(dirOf(leader.id()), ".tmp"), "no temporary file left");
        assertEquals(List.of(), files(dirOf(leader.id()), ".snap"), "nothing published");
    }

    @Test
    void startFailsClearlyWhenTheStateMachineHoldsEntriesTheLogDoesNot() throws Exception {
        IDS.forEach(this::start);
        RaftNodeRuntime leader = leader();
        putAll(leader, 0, 25);
        NodeId follower = followerOf(leader);
        awaitCaughtUp(follower, leader);
        await(() -> newestSnapshotIndex(dirOf(follower)) > 0, 5_000, "the follower takes a snapshot");
        putAll(leader, 25, 28);
        awaitCaughtUp(follower, leader);
        long applied = disks.get(follower).index();
        long snapshotAt = newestSnapshotIndex(dirOf(follower));
        assertTrue(snapshotAt < applied, snapshotAt + " < " + applied);
        nodes.remove(follower).close();

        // The log store of another (empty) data directory, with this state machine and snapshots.
        stores.put(follower, new TestLogStore(follower.value()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> start(follower));
        assertTrue(e.getMessage().contains("applied up to index " + applied)
                        && e.getMessage().contains("log ends at index 0")
                        && e.getMessage().contains("snapshot is at index " + snapshotAt)
                        && e.getMessage().contains("data directory"), e.getMessage());
        nodes.remove(follower);

        // No snapshot at all, the same.
        DurableKvStateMachine.Disk alone = new DurableKvStateMachine.Disk();
        alone.forceIndex(100);
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> RaftNodeRuntime.start(
                NodeId.of("n9"), ClusterConfiguration.ofVoters(Set.of(NodeId.of("n9"))), Map.of(), OPTIONS,
                new TestLogStore("n9"), network.transport(NodeId.of("n9")), new DurableKvStateMachine(alone),
                dir.resolve("n9"), System::nanoTime, new SplittableRandom(1)));
        assertTrue(none.getMessage().contains("applied up to index 100")
                && none.getMessage().contains("log ends at index 0"), none.getMessage());
    }

    @Test
    void withoutViewsTheSnapshotIsWrittenOnTheApplyThreadAsBefore() throws Exception {
        IDS.forEach(id -> start(id, sm -> sm.views = false));
        RaftNodeRuntime leader = leader();
        putAll(leader, 0, 25);
        await(() -> newestSnapshotIndex(dirOf(leader.id())) > 0, 5_000, "a snapshot");
        await(() -> stores.get(leader.id()).firstIndex() > 1, 5_000, "compaction");
        assertEquals(0, machines.get(leader.id()).viewsWritten.get());
        CompletableFuture<byte[]> f = leader.propose(KvStateMachine.put("after", "snapshot"));
        assertEquals("", KvStateMachine.text(f.get(5, TimeUnit.SECONDS)));
    }
}
