package io.flotilla.raft.core.runtime;

import static io.flotilla.raft.core.runtime.RuntimeCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.NodeId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints: a state machine that keeps its state on disk ({@code StateMachine#persistApplied()}) is not copied into
 * a snapshot every threshold of entries; its state is synced, a checkpoint recorded and the log compacted behind it
 * (thesis §5.2, as etcd keeps its raft log short behind bbolt). A full snapshot is written from a view only when a
 * follower needs one, and a restart resumes from the state machine's own index.
 */
class CheckpointTest extends DurableClusterTestBase {

    private RaftNodeRuntime startCheckpointing(NodeId id) {
        return start(id, sm -> sm.checkpoints = true);
    }

    @Test
    void theLogIsCompactedBehindCheckpointsAndNoStateIsCopied() throws Exception {
        IDS.forEach(this::startCheckpointing);
        RaftNodeRuntime leader = putAll(leader(), 0, 60);
        for (NodeId id : IDS) {
            awaitCaughtUp(id, leader);
            await(() -> newestCheckpointIndex(dirOf(id)) >= 40 && stores.get(id).firstIndex() > 30, 5_000,
                    id + " checkpoints and compacts its log");
        }
        for (NodeId id : IDS) {
            DurableKvStateMachine sm = machines.get(id);
            assertEquals(0, sm.viewsOpened.get(), id + ": no view was opened: nothing copied the state");
            assertEquals(0, newestSnapshotIndex(dirOf(id)), id + ": no snapshot file was written");
            assertTrue(sm.persists.get() >= 3, id + ": the state was synced at each checkpoint (and once at start): "
                    + sm.persists.get());
            long checkpoint = newestCheckpointIndex(dirOf(id));
            assertTrue(stores.get(id).firstIndex() <= checkpoint - 5 + 1,
                    id + ": the log keeps the 5 entries behind the checkpoint at " + checkpoint + " for followers "
                            + "that lag; it starts at " + stores.get(id).firstIndex());
        }
    }

    @Test
    void aRestartResumesFromTheStateMachineAndReplaysOnlyTheLogAfterIt() throws Exception {
        IDS.forEach(this::startCheckpointing);
        RaftNodeRuntime leader = putAll(leader(), 0, 50);
        NodeId follower = followerOf(leader);
        awaitCaughtUp(follower, leader);
        await(() -> newestCheckpointIndex(dirOf(follower)) >= 40, 5_000, "the follower checkpoints");
        long resumeAt = disks.get(follower).index();

        nodes.remove(follower).close();
        leader = putAll(leader, 50, 57);
        RaftNodeRuntime restarted = startCheckpointing(follower);
        assertEquals(resumeAt, restarted.status().appliedIndex(), "applying resumes at the state machine's index");
        awaitCaughtUp(follower, leader);
        DurableKvStateMachine sm = machines.get(follower);
        assertEquals(0, sm.restores.get(), "nothing was restored");
        assertEquals(7, sm.applies.get(), "only the 7 commands after its index were applied");
    }

    @Test
    void aFollowerBehindTheCheckpointsGetsASnapshotWrittenForItFromAView() throws Exception {
        IDS.forEach(this::startCheckpointing);
        NodeId wiped = followerOf(leader());
        nodes.remove(wiped).close();
        // Longer than an election timeout: the leader no longer counts on hearing from it, so it writes no snapshot
        // for it while it is down (it sends a bare heartbeat instead).
        Thread.sleep(2 * options().electionTimeoutMaxMillis());
        RaftNodeRuntime leader = putAll(leader(), 0, 60);
        DurableKvStateMachine leaderSm = machines.get(leader.id());
        await(() -> stores.get(leader.id()).firstIndex() > 30, 5_000, "the leader compacts its log");
        assertEquals(0, leaderSm.viewsOpened.get(), "no snapshot was written while no follower needed one");

        // A new disk, an empty log, no snapshot: the member lost everything.
        wipe(wiped);
        startCheckpointing(wiped);
        DurableKvStateMachine sm = machines.get(wiped);
        awaitCaughtUp(wiped, leader);

        assertTrue(leaderSm.viewsOpened.get() >= 1, "the leader wrote a snapshot from a view on demand");
        assertTrue(sm.restores.get() >= 1, "the member's state came from InstallSnapshot");
        assertTrue(leaderSm.viewsAt.containsAll(sm.restoredAt), "it installed " + sm.restoredAt + ", written from "
                + "the leader's views at " + leaderSm.viewsAt);
        long checkpointWhenAsked = newestCheckpointIndex(dirOf(leader.id()));
        assertTrue(sm.restoredAt.get(0) >= checkpointWhenAsked - 20, "the snapshot covers the leader's log start");
        assertEquals(disks.get(leader.id()).data(), sm.data(), "the same state as the leader's");
    }

    @Test
    void aStateMachineThatLostStateItReportedDurableRefusesToStart() throws Exception {
        IDS.forEach(this::startCheckpointing);
        RaftNodeRuntime leader = leader();
        NodeId follower = followerOf(leader);
        leader = putAll(leader, 0, 5);
        awaitCaughtUp(follower, leader);
        DurableKvStateMachine.Disk older = disks.get(follower).copy();
        leader = putAll(leader, 5, 50);
        awaitCaughtUp(follower, leader);
        await(() -> newestCheckpointIndex(dirOf(follower)) > older.index(), 5_000, "the follower checkpoints");
        long checkpoint = newestCheckpointIndex(dirOf(follower));

        nodes.remove(follower).close();
        disks.get(follower).resetTo(older); // the disk lost what the state machine had said was synced
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> startCheckpointing(follower));
        assertTrue(e.getMessage().contains("at index " + older.index()) && e.getMessage().contains("checkpoint "
                + checkpoint), "the error names both indexes: " + e.getMessage());
        assertEquals(List.of(), machines.get(follower).restoredAt, "nothing was restored over it");
    }
}
