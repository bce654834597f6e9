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
 *
 * <p>Proposers are answered once the batch their entry came in is applied and written
 * ({@link StateMachine#batchApplied()}), so that what a client saw acknowledged is what a reader sees. For a state
 * machine whose queries may run concurrently, this thread then publishes the applied index to the {@link Readers}
 * and hands them the reads it covers instead of running their queries itself.
 */
final class Applier implements Runnable {

    private sealed interface Task permits Apply, Read, Restore, SnapshotDone, Materialize, Placed, Stop {
    }

    /** The leader placed a proposal this member forwarded at {@code index} (see {@link #expectForwarded}). */
    private record Placed(long index, PendingProposal proposal) implements Task {
    }

    /** A follower needs a snapshot at or beyond {@code atLeast} and the newest one is older (see {@link #materialize}). */
    private record Materialize(long atLeast) implements Task {
    }

    /** The snapshot writer finished a job (written, failed or cancelled). */
    private record SnapshotDone(SnapshotWriter.Job job) implements Task {
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
    private final RecentResults recent;
    private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    private final PriorityQueue<WaitingRead> waitingReads =
            new PriorityQueue<>((a, b) -> Long.compare(a.readIndex(), b.readIndex()));
    private final LongConsumer onApplied;
    private volatile long appliedIndex;
    /** Runs the queries of a state machine whose queries may run concurrently; null: they run on this thread. */
    private final Readers readers;
    /** The answers of the batch being applied, given once it is written (see the class comment). */
    private final java.util.ArrayList<Runnable> answers = new java.util.ArrayList<>();
    /** Snapshot files, or null when snapshots are off; written from this thread, see {@link #maybeSnapshot()}. */
    private final SnapshotFiles snapshots;
    /** Writes views out off this thread; null when snapshots are off. */
    private final SnapshotWriter writer;
    /**
     * The view being written, or null; at most one at a time. Set and cleared on this thread; volatile only so that
     * {@link #closeWriter} can cancel it after this thread has ended (or failed to end in time).
     */
    private volatile SnapshotWriter.Job inFlight;
    /** Set by {@link #stop()}: a wait for the snapshot writer gives up (see {@link #install}). */
    private volatile boolean stopping;
    /**
     * Whether the state machine keeps its state on disk ({@link StateMachine#persistApplied()} &ge; 0): the log is then
     * compacted behind checkpoints, and full snapshots are written only when a follower needs one.
     */
    private final boolean checkpoints;
    /** A {@link Materialize} is queued or being written: the event loop asks at every heartbeat, one is enough. */
    private final java.util.concurrent.atomic.AtomicBoolean materializing = new java.util.concurrent.atomic.AtomicBoolean();
    /** The job in flight writes a snapshot a follower asked for (not one of the threshold's). */
    private boolean inFlightMaterializes;
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

    /**
     * Where applying starts, as recovered at start.
     *
     * @param index              the state machine's applied index
     * @param term               the term of the entry at that index (0 for index 0)
     * @param membership         the configuration in force at that index
     * @param lastSnapshotIndex  the newest snapshot's index (0 if none): the entry threshold counts from it
     * @param bytesSinceSnapshot payload bytes of the entries after that snapshot already in the state machine (the
     *                           size-ratio threshold counts them, as if they had been applied now)
     */
    record Start(long index, long term, io.flotilla.raft.core.protocol.MembershipCodec.Membership membership,
                 long lastSnapshotIndex, long bytesSinceSnapshot) {
    }

    Applier(NodeId self, StateMachine stateMachine, long appliedIndex, LongConsumer onApplied) {
        this(self, stateMachine, new Start(appliedIndex, 0, null, appliedIndex, 0), onApplied, null, Long.MAX_VALUE,
                0, i -> { }, null);
    }

    Applier(NodeId self, StateMachine stateMachine, Start start, LongConsumer onApplied, SnapshotFiles snapshots,
            long snapshotEvery, int snapshotSizeRatio, LongConsumer onSnapshot, Readers readers) {
        this.self = self;
        this.readers = readers;
        this.recent = new RecentResults(self);
        this.stateMachine = stateMachine;
        this.appliedIndex = start.index();
        this.appliedTerm = start.term();
        this.appliedMembership = start.membership();
        this.onApplied = onApplied;
        this.snapshots = snapshots;
        this.writer = snapshots == null ? null : new SnapshotWriter(self, snapshots);
        this.snapshotEvery = snapshotEvery;
        this.snapshotSizeRatio = snapshotSizeRatio;
        this.onSnapshot = onSnapshot;
        // Counted from the last snapshot, not from where applying resumes: a member that resumed from its own state
        // far beyond its newest snapshot snapshots again at its first chance, as it would have without the restart.
        long base = Math.min(start.lastSnapshotIndex(), start.index());
        this.nextSnapshotAt = base > Long.MAX_VALUE - snapshotEvery ? Long.MAX_VALUE : base + snapshotEvery;
        this.bytesSinceSnapshot = start.bytesSinceSnapshot();
        this.lastSnapshotBytes = snapshots == null || snapshots.latest() == null ? 0 : snapshots.latest().size();
        this.checkpoints = snapshots != null && stateMachine.persistApplied() >= 0;
        if (snapshots != null) {
            snapshots.onRequest(atLeast -> {
                if (materializing.compareAndSet(false, true)) {
                    tasks.add(new Materialize(atLeast));
                }
            });
        }
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

    /**
     * Withdraws a proposal registered with {@link #expect} (its deadline passed), unless it was settled or replaced.
     *
     * @return whether it was still registered
     */
    boolean forget(long index, PendingProposal proposal) {
        return proposals.remove(index, proposal);
    }

    /** Results kept for forwarded proposals whose placement comes late; see {@link RecentResults}. */
    RecentResults recentResults() {
        return recent;
    }

    /**
     * Registers a forwarded proposal the leader placed at {@code index}, in order with the entries handed over: on
     * this thread, so that an entry applied before the placement arrived is answered from {@link RecentResults}.
     */
    void expectForwarded(long index, PendingProposal proposal) {
        tasks.add(new Placed(index, proposal));
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
        stopping = true;
        tasks.add(new Stop());
    }

    /**
     * Stops the snapshot writer thread, cancelling the write in flight, waiting for it at most {@code timeoutMillis}.
     * Called by the node's close, after this thread has ended (or been given up on).
     */
    void closeWriter(long timeoutMillis) {
        if (writer != null) {
            writer.close(inFlight, timeoutMillis);
        }
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
                    if (!install(r.header())) {
                        break; // closing: nothing after the snapshot may be applied to the state it would replace
                    }
                } else if (task instanceof SnapshotDone d) {
                    snapshotDone(d.job());
                } else if (task instanceof Materialize m) {
                    materialize(m.atLeast());
                } else if (task instanceof Placed p) {
                    recent.placementSettled();
                    if (p.index() > appliedIndex) {
                        proposals.put(p.index(), p.proposal());
                    } else {
                        recent.complete(p.index(), p.proposal());
                    }
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

    /**
     * Replaces the state with a snapshot installed from the leader (Raft §7). Returns false, having done nothing, if
     * the node is closing while this waits for the snapshot writer.
     *
     * <p><b>A view being written meanwhile.</b> Its index V is at most what this thread has applied, which is at most
     * the commit index, and the protocol installs only snapshots beyond its commit index: so V is below the installed
     * index X, and the file it would produce is already superseded. The write is cancelled (its stream fails at the
     * next write; nothing is published) and this thread waits until the writer has let go of the view — closed it —
     * before {@link StateMachine#restoreSnapshot(java.io.InputStream, long)} replaces the state the view reads. A
     * state machine therefore never sees its state replaced under an open view (a backend may not allow that: it may
     * drop or reopen the tables the view pins). The wait is short, since the cancelled stream fails at its next write;
     * should the view not write at all, closing the node still ends it. If the write had already finished, its file
     * (older than X) is harmless: {@code latest} only moves forward, pruning keeps the newest two by index, and the
     * compaction it asks for ({@code compactLog(V)}) is below the log's new start X, so it does nothing.
     */
    private boolean install(io.flotilla.raft.core.protocol.SnapshotFormat.Header header) throws InterruptedException {
        SnapshotWriter.Job job = inFlight;
        if (job != null) {
            job.cancel();
            if (!awaitWriter(job)) {
                return false;
            }
            inFlight = null; // its SnapshotDone, still to come, is then ignored: the counters start afresh below
            if (inFlightMaterializes) {
                inFlightMaterializes = false;
                materializing.set(false);
            }
        }
        if (readers != null) {
            readers.exclusive(() -> snapshots.restore(header, stateMachine), header.index());
        } else {
            snapshots.restore(header, stateMachine);
        }
        appliedTerm = header.term();
        appliedMembership = header.membership();
        appliedIndex = header.index();
        nextSnapshotAt = appliedIndex + snapshotEvery;
        bytesSinceSnapshot = 0;
        lastSnapshotBytes = header.size();
        onApplied.accept(appliedIndex);
        return true;
    }

    /** Waits until the writer is done with {@code job} (its view closed); false if the node closes meanwhile. */
    private boolean awaitWriter(SnapshotWriter.Job job) throws InterruptedException {
        long started = System.nanoTime();
        boolean warned = false;
        while (true) {
            try {
                job.done().get(50, java.util.concurrent.TimeUnit.MILLISECONDS);
                return true;
            } catch (java.util.concurrent.TimeoutException e) {
                if (stopping) {
                    return false;
                }
                if (!warned && System.nanoTime() - started > 1_000_000_000L) {
                    warned = true;
                    System.getLogger(Applier.class.getName()).log(System.Logger.Level.WARNING, self
                            + ": installing a snapshot waits for the cancelled snapshot write at " + job.index()
                            + " to release its view");
                }
            } catch (java.util.concurrent.ExecutionException e) {
                return true; // not used (the writer completes with null on failure), but done all the same
            }
        }
    }

    /** The writer finished {@code job}: another snapshot may start; the size threshold counts from this one. */
    private void snapshotDone(SnapshotWriter.Job job) {
        if (job != inFlight) {
            return; // cancelled by a restore, which reset the counters
        }
        inFlight = null;
        if (inFlightMaterializes) {
            inFlightMaterializes = false;
            materializing.set(false); // written or not: a follower that still needs one asks again
        }
        io.flotilla.raft.core.protocol.SnapshotFormat.Header written = job.done().getNow(null);
        if (written != null) {
            lastSnapshotBytes = written.size();
            // What was applied after the view was taken counts toward the next snapshot.
            bytesSinceSnapshot -= job.bytesAtView();
        }
        // On failure nothing changes: the next attempt comes at the next threshold (nextSnapshotAt moved on when this
        // one started), as for a failed write on this thread.
        // Thresholds passed while this one was in flight are checked now, not at the next entry: a cluster gone idle
        // meanwhile would otherwise keep its log uncompacted until someone writes again.
        maybeSnapshot();
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
                continue; // already in the state: a snapshot restored meanwhile, or the state machine's own (see Start)
            }
            appliedTerm = entry.term();
            bytesSinceSnapshot += entry.payload().length;
            if (entry.kind() == EntryKind.COMMAND) {
                byte[] result;
                try {
                    result = stateMachine.apply(entry);
                } catch (RuntimeException e) {
                    // Deterministic failures are results too (see StateMachine#apply); every member sees the same.
                    recent.record(entry, null, e);
                    if (ours) {
                        answers.add(() -> proposal.future().completeExceptionally(e));
                    }
                    appliedIndex = entry.index();
                    continue;
                }
                recent.record(entry, result, null);
                if (ours) {
                    answers.add(() -> proposal.future().complete(result));
                }
                appliedIndex = entry.index();
                continue;
            }
            if (entry.kind() == EntryKind.CONFIGURATION) {
                appliedMembership = io.flotilla.raft.core.protocol.MembershipCodec.decode(entry.payload());
            }
            // A no-op or a configuration: the engine applies it itself; a state machine that records its applied
            // index records this one too, so that lastAppliedIndex() matches what was applied (see Start).
            skip(entry.index());
            appliedIndex = entry.index();
            if (entry.kind() == EntryKind.CONFIGURATION) {
                settleMembership(entry);
            }
        }
        batchApplied();
        if (readers != null) {
            readers.publish(appliedIndex);
        }
        for (Runnable answer : answers) {
            answer.run();
        }
        answers.clear();
        maybeSnapshot();
        onApplied.accept(appliedIndex);
    }

    private void batchApplied() {
        try {
            stateMachine.batchApplied();
        } catch (RuntimeException e) {
            // Not fatal: what the state machine did not write is written with a later batch, or replayed from the log.
            System.getLogger(Applier.class.getName()).log(System.Logger.Level.ERROR,
                    self + ": the state machine failed to write a batch of applied entries: " + e, e);
        }
    }

    private void skip(long index) {
        try {
            stateMachine.skip(index);
        } catch (RuntimeException e) {
            // Not fatal: the state machine's index lags by this entry, which is then replayed (and skipped) at the
            // next start, changing nothing.
            System.getLogger(Applier.class.getName()).log(System.Logger.Level.ERROR,
                    self + ": the state machine failed to record skipped entry " + index + ": " + e, e);
        }
    }

    /**
     * Takes a snapshot once {@code snapshotEvery} entries have been applied since the last one and, with a size
     * ratio, once their payloads add up to that many times the last snapshot's size (Raft thesis §5.1.1). The second
     * condition is what keeps a large state cheap: a state that keeps a long history (like an MVCC store) would
     * otherwise be rewritten whole every few thousand entries, by every member.
     *
     * <p>A state machine that offers a view ({@link StateMachine#openSnapshotView()}) is snapshotted off this thread
     * (thesis §5.1: snapshotting concurrently, from a copy-on-write image; §5.2 for state kept on disk): the view is
     * opened here, between two entries, so it holds exactly the state at {@code appliedIndex}, and the header records
     * that index, its term and the configuration then in force; the {@link SnapshotWriter} writes it out while
     * applying goes on, and only once the file is durable asks the event loop to compact the log behind it (Raft §7).
     * While a write is in flight no other starts; the thresholds are checked again after it (the entry threshold
     * counts from the view's index).
     */
    private void maybeSnapshot() {
        if (checkpoints) {
            maybeCheckpoint();
            return;
        }
        if (snapshots == null || inFlight != null || appliedIndex < nextSnapshotAt
                || bytesSinceSnapshot < (long) snapshotSizeRatio * lastSnapshotBytes) {
            return;
        }
        nextSnapshotAt = appliedIndex + snapshotEvery;
        startView(false);
    }

    /**
     * For a state machine that keeps its state on disk: every {@code snapshotEvery} entries, makes its state durable
     * ({@link StateMachine#persistApplied()}), records a checkpoint and asks the event loop to compact the log behind
     * it. Its storage is the snapshot (thesis §5.2; etcd likewise compacts its raft log behind its backend and sends
     * the backend itself to a follower that needs it): rewriting the whole state every few thousand entries, on every
     * member at once, would cost a large state's size in disk writes each time for nothing. The size ratio does not
     * apply: a checkpoint costs an fsync, not a copy of the state.
     */
    private void maybeCheckpoint() {
        if (appliedIndex < nextSnapshotAt) {
            return;
        }
        nextSnapshotAt = appliedIndex + snapshotEvery;
        long started = System.nanoTime();
        try {
            long durable = stateMachine.persistApplied();
            if (durable != appliedIndex) {
                throw new IllegalStateException("persistApplied() answered " + durable + " after index "
                        + appliedIndex + " was applied");
            }
            snapshots.writeCheckpoint(appliedIndex, appliedTerm, appliedMembership);
        } catch (RuntimeException e) {
            // Not fatal: the log simply stays longer; the next attempt comes after another threshold of entries.
            System.getLogger(Applier.class.getName()).log(System.Logger.Level.WARNING,
                    self + ": checkpoint at " + appliedIndex + " failed: " + e, e);
            return;
        }
        System.getLogger(Applier.class.getName()).log(System.Logger.Level.DEBUG, () -> self + ": checkpoint at "
                + appliedIndex + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        onSnapshot.accept(appliedIndex);
    }

    /**
     * A follower needs a snapshot at or beyond {@code atLeast} (the log behind a checkpoint is gone): writes one from
     * a view at the applied index, which is at least the checkpoint's, in the background. While another write is in
     * flight nothing starts; the protocol asks again at its next heartbeat. The log is not compacted behind it:
     * checkpoints do that.
     */
    private void materialize(long atLeast) {
        io.flotilla.raft.core.protocol.SnapshotFormat.Header latest = snapshots.latest();
        if (latest != null && latest.index() >= atLeast) {
            materializing.set(false); // one was written meanwhile
            return;
        }
        if (inFlight != null) {
            materializing.set(false); // asked again at the next heartbeat, once the write in flight is done
            return;
        }
        System.getLogger(Applier.class.getName()).log(System.Logger.Level.INFO, self + ": a follower needs a "
                + "snapshot at " + atLeast + " or later; writing one at " + appliedIndex);
        if (!startView(true)) {
            materializing.set(false);
        }
    }

    /** Opens a view at the applied index and has the writer write it out; false if nothing was started. */
    private boolean startView(boolean forFollower) {
        long started = System.nanoTime();
        StateMachine.SnapshotView view;
        try {
            view = stateMachine.openSnapshotView();
        } catch (RuntimeException e) {
            System.getLogger(Applier.class.getName()).log(System.Logger.Level.WARNING,
                    self + ": opening a snapshot view at " + appliedIndex + " failed: " + e, e);
            return false;
        }
        if (view == null) {
            writeSnapshotHere(started);
            return false;
        }
        long openNanos = System.nanoTime() - started;
        inFlightMaterializes = forFollower;
        inFlight = writer.start(appliedIndex, appliedTerm, appliedMembership, view, bytesSinceSnapshot, openNanos,
                job -> {
                    // On the writer thread, once the view is closed. The file is durable and published: only now
                    // may the log behind it be compacted (behind checkpoints instead, for one a follower asked for).
                    if (job.done().getNow(null) != null && !forFollower) {
                        onSnapshot.accept(job.index());
                    }
                    tasks.add(new SnapshotDone(job));
                });
        return true;
    }

    /** Writes the snapshot with {@link StateMachine#writeSnapshot}, on this thread: applying waits for it. */
    private void writeSnapshotHere(long started) {
        try {
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
            if (readers != null) {
                readers.run(request); // covered: everything up to appliedIndex is published
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
