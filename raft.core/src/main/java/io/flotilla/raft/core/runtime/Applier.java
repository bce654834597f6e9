package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeClosedException;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.StateMachine;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.LongConsumer;

/**
 * The apply thread: feeds committed entries to the {@link StateMachine} in order, completes the proposers' futures,
 * and answers reads once their read index is applied. It runs apart from the event loop so that a slow state
 * machine never delays heartbeats, votes or disk writes ("applies off the I/O path"). Its queue is bounded by the
 * protocol, which hands out at most a fixed backlog of unapplied entries.
 */
final class Applier implements Runnable {

    private sealed interface Task permits Apply, Read, Restore, Stop {
    }

    private record Restore(io.flotilla.raft.core.protocol.SnapshotFormat.Header header) implements Task {
    }

    private record Apply(List<LogEntry> entries) implements Task {
    }

    private record Read(long readIndex, ReadRequest request) implements Task {
    }

    private record Stop() implements Task {
    }

    private record WaitingRead(long readIndex, ReadRequest request) {
    }

    private final NodeId self;
    private final StateMachine stateMachine;
    private final Map<Long, PendingProposal> proposals = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    private final PriorityQueue<WaitingRead> waitingReads =
            new PriorityQueue<>((a, b) -> Long.compare(a.readIndex(), b.readIndex()));
    private final LongConsumer onApplied;
    private volatile long appliedIndex;
    /** Snapshot files, or null when snapshots are off; written from this thread, see {@link #maybeSnapshot()}. */
    private final SnapshotFiles snapshots;
    private final long snapshotEvery;
    private final int snapshotSizeRatio;
    private final LongConsumer onSnapshot;
    private long nextSnapshotAt;
    /** Payload bytes applied since the last snapshot, and that snapshot's size: see {@link #maybeSnapshot()}. */
    private long bytesSinceSnapshot;
    private long lastSnapshotBytes;
    /** Term and configuration of what has been applied, recorded in the snapshots this thread writes. */
    private long appliedTerm;
    private io.flotilla.raft.core.protocol.MembershipCodec.Membership appliedMembership;
    /** The membership change this member proposed and is waiting for, or null; one at a time (Raft §6). */
    private volatile PendingMembership membershipChange;

    /** A membership change waiting for its final (non-joint) configuration to be applied. */
    record PendingMembership(long index, long term,
                             CompletableFuture<io.flotilla.raft.api.ClusterConfiguration> future) {
    }

    Applier(NodeId self, StateMachine stateMachine, long appliedIndex, LongConsumer onApplied) {
        this(self, stateMachine, appliedIndex, 0, null, onApplied, null, Long.MAX_VALUE, 0, i -> { });
    }

    Applier(NodeId self, StateMachine stateMachine, long appliedIndex, long appliedTerm,
            io.flotilla.raft.core.protocol.MembershipCodec.Membership appliedMembership, LongConsumer onApplied,
            SnapshotFiles snapshots, long snapshotEvery, int snapshotSizeRatio, LongConsumer onSnapshot) {
        this.self = self;
        this.stateMachine = stateMachine;
        this.appliedIndex = appliedIndex;
        this.appliedTerm = appliedTerm;
        this.appliedMembership = appliedMembership;
        this.onApplied = onApplied;
        this.snapshots = snapshots;
        this.snapshotEvery = snapshotEvery;
        this.snapshotSizeRatio = snapshotSizeRatio;
        this.onSnapshot = onSnapshot;
        this.nextSnapshotAt = appliedIndex + snapshotEvery;
        this.lastSnapshotBytes = snapshots == null || snapshots.latest() == null ? 0 : snapshots.latest().size();
    }

    /** Replaces the state with a snapshot received from the leader, in order with the entries around it. */
    void restore(io.flotilla.raft.core.protocol.SnapshotFormat.Header header) {
        tasks.add(new Restore(header));
    }

    long appliedIndex() {
        return appliedIndex;
    }

    /** Registers a proposal's future under its index; called by the event loop before the entry can commit. */
    void expect(long index, PendingProposal proposal) {
        proposals.put(index, proposal);
    }

    void forget(long index) {
        proposals.remove(index);
    }

    void expectMembership(PendingMembership change) {
        PendingMembership previous = membershipChange;
        if (previous != null) {
            previous.future().completeExceptionally(new IllegalStateException("superseded by a later change"));
        }
        membershipChange = change;
    }

    void apply(List<LogEntry> committed) {
        tasks.add(new Apply(committed));
    }

    void read(long readIndex, ReadRequest request) {
        tasks.add(new Read(readIndex, request));
    }

    void stop() {
        tasks.add(new Stop());
    }

    @Override
    public void run() {
        try {
            while (true) {
                Task task = tasks.take();
                if (task instanceof Stop) {
                    break;
                } else if (task instanceof Apply a) {
                    applyAll(a.entries());
                } else if (task instanceof Read r) {
                    waitingReads.add(new WaitingRead(r.readIndex(), r.request()));
                } else if (task instanceof Restore r) {
                    snapshots.restore(r.header(), stateMachine);
                    appliedTerm = r.header().term();
                    appliedMembership = r.header().membership();
                    appliedIndex = r.header().index();
                    nextSnapshotAt = appliedIndex + snapshotEvery;
                    bytesSinceSnapshot = 0;
                    lastSnapshotBytes = r.header().size();
                    onApplied.accept(appliedIndex);
                }
                answerReads();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        NodeClosedException closed = new NodeClosedException(self + " is closed");
        waitingReads.forEach(w -> w.request().fail(closed));
        for (Task t : tasks) {
            if (t instanceof Read r) {
                r.request().fail(closed);
            }
        }
        proposals.values().forEach(p -> p.future().completeExceptionally(closed));
        PendingMembership change = membershipChange;
        if (change != null) {
            change.future().completeExceptionally(closed);
        }
    }

    private void applyAll(List<LogEntry> entries) {
        for (LogEntry entry : entries) {
            PendingProposal proposal = proposals.remove(entry.index());
            boolean ours = proposal != null && proposal.term() == entry.term();
            if (proposal != null && !ours) {
                // Another leader's entry took this index: our proposal was overwritten and never committed.
                proposal.future().completeExceptionally(new NotLeaderException(self, null));
            }
            if (entry.index() <= appliedIndex) {
                continue; // already covered by a snapshot restored meanwhile
            }
            appliedTerm = entry.term();
            bytesSinceSnapshot += entry.payload().length;
            if (entry.kind() == EntryKind.CONFIGURATION) {
                appliedMembership = io.flotilla.raft.core.protocol.MembershipCodec.decode(entry.payload());
                settleMembership(entry);
            }
            if (entry.kind() == EntryKind.COMMAND) {
                byte[] result;
                try {
                    result = stateMachine.apply(entry);
                } catch (RuntimeException e) {
                    // Deterministic failures are results too (see StateMachine#apply); every member sees the same.
                    if (ours) {
                        proposal.future().completeExceptionally(e);
                    }
                    appliedIndex = entry.index();
                    continue;
                }
                if (ours) {
                    proposal.future().complete(result);
                }
            }
            appliedIndex = entry.index();
        }
        maybeSnapshot();
        onApplied.accept(appliedIndex);
    }

    /**
     * Takes a snapshot once {@code snapshotEvery} entries have been applied since the last one and, with a size
     * ratio, once their payloads add up to that many times the last snapshot's size (Raft thesis §5.1.1). The second
     * condition is what keeps a large state cheap: a state that keeps a long history (like an MVCC store) would
     * otherwise be rewritten whole every few thousand entries, on this thread, by every member.
     */
    private void maybeSnapshot() {
        if (snapshots == null || appliedIndex < nextSnapshotAt
                || bytesSinceSnapshot < (long) snapshotSizeRatio * lastSnapshotBytes) {
            return;
        }
        nextSnapshotAt = appliedIndex + snapshotEvery;
        try {
            long started = System.nanoTime();
            lastSnapshotBytes = snapshots.write(appliedIndex, appliedTerm, appliedMembership, stateMachine).size();
            bytesSinceSnapshot = 0;
            // Logged because applying (and so answering clients) waits for it: operators see what it costs.
            System.getLogger(Applier.class.getName()).log(System.Logger.Level.INFO, self + ": snapshot at "
                    + appliedIndex + ", " + lastSnapshotBytes / 1024 + " KiB in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms");
            onSnapshot.accept(appliedIndex);
        } catch (RuntimeException e) {
            // Not fatal: the log simply stays longer; the next attempt comes after another threshold of entries (the
            // size ratio still holds, since nothing was written).
            System.getLogger(Applier.class.getName()).log(System.Logger.Level.WARNING,
                    self + ": snapshot at " + appliedIndex + " failed: " + e, e);
        }
    }

    private void settleMembership(LogEntry entry) {
        PendingMembership change = membershipChange;
        if (change == null || entry.index() < change.index()) {
            return;
        }
        if (entry.index() == change.index() && entry.term() != change.term()) {
            membershipChange = null;
            change.future().completeExceptionally(new NotLeaderException(self, null));
            return;
        }
        io.flotilla.raft.api.ClusterConfiguration config =
                io.flotilla.raft.core.protocol.MembershipCodec.decode(entry.payload()).config();
        if (!config.isJoint()) {
            membershipChange = null;
            change.future().complete(config);
        }
    }

    private void answerReads() {
        while (!waitingReads.isEmpty() && waitingReads.peek().readIndex() <= appliedIndex) {
            ReadRequest request = waitingReads.poll().request();
            if (request.query() == null) {
                request.barrier().complete(appliedIndex);
                continue;
            }
            try {
                request.answer().complete(stateMachine.query(request.query()));
            } catch (RuntimeException e) {
                request.answer().completeExceptionally(e);
            }
        }
    }
}
