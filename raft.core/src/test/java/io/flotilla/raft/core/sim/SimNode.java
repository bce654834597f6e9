package io.flotilla.raft.core.sim;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.core.protocol.RaftProtocol;
import io.flotilla.raft.api.spi.LogStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One simulated member. Its {@link #disk} holds exactly what has been made durable; writes wait in {@link #diskQueue}
 * and complete one at a time, in order, after a simulated fsync delay — a crash loses the ones still queued.
 */
final class SimNode {

    /** A durable snapshot: its header and serialized bytes. */
    record StoredSnapshot(io.flotilla.raft.core.protocol.SnapshotFormat.Header header, byte[] bytes) {
    }

    /** A client's write accepted by this member as leader, waiting for the entry at its index to be applied. */
    record WaitingWrite(SimClient.Op op, long term) {
    }

    /** A client's read whose read index is confirmed, waiting for the state machine to reach it. */
    record WaitingRead(SimClient.Op op, long readIndex) {
    }

    final NodeId id;
    /** The durable disk: the memory store by default, or a real store (see {@link Simulation#STORE}). */
    final LogStore disk;
    final ArrayDeque<io.flotilla.raft.core.protocol.ReadyExecutor.Write> diskQueue = new ArrayDeque<>();
    boolean diskBusy;
    boolean up;
    /** Incremented at every crash and restart; events scheduled for an older incarnation are ignored. */
    int epoch;
    RaftProtocol protocol;
    /** Carries out {@link #protocol}'s Ready batches (the runtime's executor). */
    io.flotilla.raft.core.protocol.ReadyExecutor executor;
    SimKvStateMachine stateMachine;
    /**
     * With {@link Simulation#DURABLE}: the state machine as on its own disk, which a crash does not lose (it is
     * {@link #stateMachine} while the member is up), and an older copy of it that a crash may fall back to (the newest
     * changes lost, as a backend without fsync may lose them).
     */
    SimKvStateMachine durableStateMachine;
    SimKvStateMachine durableCheckpoint;
    /** How fast this member's clock runs relative to simulated time (1.0 = exact); skewed within the lease bound. */
    double clockRate = 1.0;
    /** Simulated time at which the current incarnation's clock started, and how many ticks it has been given. */
    long clockOrigin;
    long ticksGiven;
    /** The member is frozen (a GC pause) until this time: its events wait, its clock keeps running. */
    long pausedUntil;
    /**
     * With {@link Simulation#DURABLE}: the newest checkpoint (durable): the state machine was synced at its index and
     * the log compacted behind it; full snapshots are then made only when a follower needs one ({@link #onRequest}).
     */
    io.flotilla.raft.core.protocol.SnapshotFormat.Header checkpoint;
    /** A snapshot for a follower is being written (see {@link #onRequest}); volatile state. */
    boolean materializing;
    /** What the protocol's {@link io.flotilla.raft.core.protocol.SnapshotSource#request(long)} calls. */
    java.util.function.LongConsumer onRequest = atLeast -> {
        throw new IllegalStateException("a snapshot was requested although the newest covers the log");
    };
    /** Durable snapshots by index (survive crashes), and the one being received (lost in a crash). */
    final java.util.TreeMap<Long, StoredSnapshot> snapshots = new java.util.TreeMap<>();
    java.io.ByteArrayOutputStream receiving = new java.io.ByteArrayOutputStream();
    /** The configuration and term of what the state machine has applied, for the snapshots it takes. */
    io.flotilla.raft.core.protocol.MembershipCodec.Membership appliedMembership;
    long appliedTerm;
    long lastSnapshotIndex;
    final Map<Long, WaitingWrite> writes = new HashMap<>();
    final Map<Long, SimClient.Op> readRequests = new HashMap<>();
    /** Writes forwarded to the leader, by proposal id, until it says where they are in its log. */
    final Map<Long, SimClient.Op> forwardedWrites = new HashMap<>();
    /** The terms of the entries applied last, as the runtime's RecentResults keeps results for late placements. */
    final Map<Long, Long> recentlyApplied = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > 4096;
        }
    };
    final List<WaitingRead> reads = new ArrayList<>();

    SimNode(NodeId id, LogStore disk) {
        this.id = id;
        this.disk = disk;
    }

    /** The protocol's view of this member's durable snapshots. */
    final io.flotilla.raft.core.protocol.SnapshotSource snapshotSource = new io.flotilla.raft.core.protocol.SnapshotSource() {
        @Override
        public io.flotilla.raft.core.protocol.SnapshotFormat.Header latest() {
            return snapshots.isEmpty() ? null : snapshots.lastEntry().getValue().header();
        }

        @Override
        public void request(long atLeast) {
            onRequest.accept(atLeast);
        }

        @Override
        public byte[] read(long index, long offset, int maxBytes) {
            StoredSnapshot s = snapshots.get(index);
            if (s == null) {
                return null;
            }
            int from = (int) Math.min(offset, s.bytes().length);
            int to = (int) Math.min(s.bytes().length, (long) from + maxBytes);
            return java.util.Arrays.copyOfRange(s.bytes(), from, to);
        }
    };

    void forgetVolatileState() {
        receiving = new java.io.ByteArrayOutputStream();
        diskQueue.clear();
        diskBusy = false;
        protocol = null;
        executor = null;
        stateMachine = null;
        writes.clear();
        readRequests.clear();
        forwardedWrites.clear();
        recentlyApplied.clear();
        reads.clear();
    }
}
