package io.flotilla.raft.core.sim;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.core.protocol.ProposalResult;
import io.flotilla.raft.core.protocol.RaftProtocol;
import io.flotilla.raft.core.protocol.Ready;
import io.flotilla.raft.core.protocol.ReadyExecutor;
import io.flotilla.raft.testkit.linearizability.CheckResult;
import io.flotilla.raft.testkit.linearizability.KvInput;
import io.flotilla.raft.testkit.linearizability.KvModel;
import io.flotilla.raft.testkit.linearizability.KvOutput;
import io.flotilla.raft.testkit.linearizability.LinearizabilityChecker;
import io.flotilla.raft.testkit.linearizability.Operation;
import io.flotilla.raft.testkit.linearizability.Verdict;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One seeded, deterministic run of a cluster: simulated clock, network, disks and clients, all driven by one random
 * source, so a seed replays the same run exactly.
 *
 * <p>A run has three phases: faults (crashes and restarts, partitions of every shape, loss, duplication, delay and
 * reordering) while clients read and write; then healing, after which a leader must commit and a new proposal must
 * reach every member within {@link #LIVENESS_BOUND_MS}; then the clients' history is checked for linearizability.
 * Safety invariants are checked after every single step.
 */
final class Simulation {

    static final long TICK_MS = 10;
    static final long FAULT_PHASE_MS = 20_000;
    /** After faults stop: a leader commits and a new proposal is applied on every member within this bound. */
    static final long LIVENESS_BOUND_MS = 5_000;
    static final long CLIENT_TIMEOUT_MS = 1_500;
    private static final String[] KEYS = {"x", "y", "z"};
    /**
     * Which log store serves as the members' disks ({@code -Dflotilla.sim.store}, default {@code memory}). The
     * simulation decides when a write becomes durable (it calls the store only then), so any store works; a real one
     * only makes runs slower.
     */
    static final String STORE = System.getProperty("flotilla.sim.store", "memory");
    /**
     * Whether the members' state machines keep their state on disk ({@code -Dflotilla.sim.durable=true}, default
     * off, which leaves every seed's run as it was): the state survives crashes, now and then falling back to an older
     * copy, and a restarted member recovers as the runtime does — from the state machine's own applied index when the
     * log holds it and it is not behind the newest snapshot (replaying only the log after it), else from the snapshot.
     * The checker then also verifies that the index a member resumes at is committed: the protocol starts its commit
     * index there.
     */
    static final boolean DURABLE = Boolean.getBoolean("flotilla.sim.durable");

    private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
        }
    }

    private final long seed;
    private final SplittableRandom random;
    private final RaftOptions options;
    private final ClusterConfiguration configuration;
    private final List<SimNode> nodes = new ArrayList<>();
    private final List<SimClient> clients = new ArrayList<>();
    private final SimNetwork network;
    private final SafetyChecker checker = new SafetyChecker();
    private final Trace trace;
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final List<Operation<KvInput, KvOutput>> history = new ArrayList<>();
    private long now;
    private long eventSeq;
    private long steps;
    private long nextReadId;
    private java.nio.file.Path diskRoot;
    /** Extra fsync latency during the fault phase, to widen the window between a write and its durability. */
    private int slowDiskMillis;

    Simulation(long seed, int size, boolean echoTrace) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.network = new SimNetwork(random.split());
        this.trace = new Trace(400, echoTrace);
        this.options = RaftOptions.builder().tickMillis(TICK_MS).heartbeatIntervalMillis(50)
                .electionTimeoutMillis(300, 600).maxEntriesPerMessage(16).maxBytesPerMessage(4096)
                .maxInflightAppends(4).snapshotEntries(40, 10).logStore("memory").transport("simulated").build();
        // Two spare members beyond the initial voters: membership changes add and remove them (and the others).
        Set<NodeId> ids = new LinkedHashSet<>();
        for (int i = 1; i <= size + 2; i++) {
            NodeId id = NodeId.of("n" + i);
            if (i <= size) {
                ids.add(id);
            }
            nodes.add(new SimNode(id, openDisk(id)));
        }
        this.configuration = ClusterConfiguration.ofVoters(ids);
        // Clock rates within the documented drift bound (10 %): each member within ±4 %, so any two differ < 10 %.
        for (SimNode n : nodes) {
            n.clockRate = 0.96 + random.nextDouble() * 0.08;
        }
        for (int c = 0; c < size; c++) {
            clients.add(new SimClient(c, nodes.get(random.nextInt(size)).id));
        }
    }

    private LogStore openDisk(NodeId id) {
        if (STORE.equals("memory")) {
            return new io.flotilla.raft.storage.memory.MemoryLogStore(id.value());
        }
        try {
            if (diskRoot == null) {
                diskRoot = java.nio.file.Files.createTempDirectory("flotilla-sim-" + seed + "-");
            }
            // sync off: a simulated crash never loses what the store was given, so fsync would only cost time.
            return io.flotilla.raft.api.spi.Plugins.logStore(STORE).open(new io.flotilla.raft.api.spi.LogStoreContext(
                    id, diskRoot.resolve(id.value()), Map.of("sync", "false")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Closes the disks and removes their files. */
    void closeDisks() {
        nodes.forEach(n -> n.disk.close());
        if (diskRoot != null) {
            try (var paths = java.nio.file.Files.walk(diskRoot)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException ignored) {
                // best effort: a temp directory
            }
        }
    }

    /** Runs the whole scenario; throws {@link AssertionError} with the seed and a trace if any check fails. */
    Summary run() {
        try {
            nodes.forEach(this::restart);
            clients.forEach(c -> at(random.nextInt(100), () -> nextOp(c)));
            scheduleFault();
            runUntil(FAULT_PHASE_MS);
            healEverything();
            checkLiveness();
            clients.forEach(c -> c.stopped = true);
            runUntil(now + CLIENT_TIMEOUT_MS + 500);
            checker.checkAllLogsMatch(liveProtocols());
            checkLinearizable();
        } catch (SafetyChecker.SafetyViolation | IllegalStateException e) {
            throw failure(e.getMessage(), e);
        } finally {
            closeDisks();
        }
        return new Summary(steps, history.size(), checker.maxCommitted(), leaseHits, followerReads, timeoutNows, pauses,
                checker.configurationsApplied(), snapshotsInstalled, resumedFromStateMachine, restoredOverStateMachine,
                checkpoints, snapshotsMaterialized, forwardedWritesPlaced);
    }

    /**
     * What a passing run did, for the test's log and to show that every feature was exercised. The last two count
     * restarts with {@link #DURABLE} state machines: resumed from the state machine's own index, and given the
     * snapshot because the state machine (fallen back to an older copy) was behind it; then the checkpoints taken
     * and the snapshots written because a follower needed one; last, the writes a follower forwarded to the leader
     * that the leader placed in its log.
     */
    record Summary(long steps, int operations, long committed, long leaseReadsWithoutRoundTrip,
                   long followerReads, long timeoutNowDelivered, long pauses, long configurationsCommitted,
                   long snapshotsInstalled, long resumedFromStateMachine, long restoredOverStateMachine,
                   long checkpoints, long snapshotsMaterialized, long forwardedWritesPlaced) {

        Summary plus(Summary o) {
            return new Summary(steps + o.steps, operations + o.operations, committed + o.committed,
                    leaseReadsWithoutRoundTrip + o.leaseReadsWithoutRoundTrip, followerReads + o.followerReads,
                    timeoutNowDelivered + o.timeoutNowDelivered, pauses + o.pauses,
                    configurationsCommitted + o.configurationsCommitted, snapshotsInstalled + o.snapshotsInstalled,
                    resumedFromStateMachine + o.resumedFromStateMachine,
                    restoredOverStateMachine + o.restoredOverStateMachine, checkpoints + o.checkpoints,
                    snapshotsMaterialized + o.snapshotsMaterialized,
                    forwardedWritesPlaced + o.forwardedWritesPlaced);
        }
    }

    private long leaseHits;
    private long followerReads;
    private long timeoutNows;
    private long pauses;
    private long snapshotsInstalled;
    private long resumedFromStateMachine;
    private long restoredOverStateMachine;
    private long checkpoints;
    private long snapshotsMaterialized;
    private long forwardedWritesPlaced;
    /** When each command was first applied on any member (simulated ms), to resolve unknown outcomes. */
    private final Map<ByteBuffer, Long> firstApplied = new java.util.HashMap<>();
    /** The liveness check's key: its probe write is proposed again when lost, so it is the one write not unique. */
    private static final String PROBE_KEY = "probe";
    /** The index each client write was applied at: one at two indexes was appended twice. */
    private final Map<ByteBuffer, Long> appliedIndexOf = new java.util.HashMap<>();
    /** Commands of writes answered as refused, which therefore must never be applied. */
    private final Set<ByteBuffer> refusedWrites = new java.util.HashSet<>();
    private long nextProposalId;

    // ------------------------------------------------------------------------------------------ event machinery

    private void at(long delay, Runnable action) {
        events.add(new Event(now + delay, eventSeq++, action));
    }

    private void runUntil(long time) {
        while (!events.isEmpty() && events.peek().time() <= time) {
            Event e = events.poll();
            now = e.time();
            e.action().run();
            steps++;
            checker.afterStep(liveProtocols());
            if (steps % 512 == 0) {
                checker.checkAllLogsMatch(liveProtocols());
            }
        }
        now = Math.max(now, time);
    }

    private List<RaftProtocol> liveProtocols() {
        List<RaftProtocol> live = new ArrayList<>(nodes.size());
        for (SimNode n : nodes) {
            if (n.up) {
                live.add(n.protocol);
            }
        }
        return live;
    }

    private SimNode node(NodeId id) {
        return nodes.get(Integer.parseInt(id.value().substring(1)) - 1);
    }

    // ---------------------------------------------------------------------------------------------- members

    private void restart(SimNode n) {
        n.up = true;
        n.epoch++;
        if (DURABLE) {
            restartDurable(n);
            return;
        }
        // Recovery sees only what is durable: the newest snapshot, then the log after it.
        n.stateMachine = new SimKvStateMachine();
        n.appliedMembership = new io.flotilla.raft.core.protocol.MembershipCodec.Membership(configuration, Map.of());
        n.appliedTerm = 0;
        io.flotilla.raft.core.protocol.SnapshotFormat.Header recovered = null;
        if (!n.snapshots.isEmpty()) {
            SimNode.StoredSnapshot latest = n.snapshots.lastEntry().getValue();
            io.flotilla.raft.core.protocol.SnapshotFormat.Decoded d =
                    io.flotilla.raft.core.protocol.SnapshotFormat.decode(latest.bytes());
            recovered = d.header();
            n.stateMachine.restore(d.data(), recovered.index());
            n.appliedMembership = recovered.membership();
            n.appliedTerm = recovered.term();
            boolean logCoversIt = n.disk.firstIndex() - 1 <= recovered.index() && recovered.index() <= n.disk.lastIndex()
                    && n.disk.termAt(recovered.index()) == recovered.term();
            if (!logCoversIt) {
                n.disk.reset(recovered.index(), recovered.term()); // crashed between snapshot install and log reset
            }
        }
        n.lastSnapshotIndex = recovered == null ? 0 : recovered.index();
        n.protocol = new RaftProtocol(n.id, configuration, Map.of(), options, io.flotilla.raft.core.protocol.StableLog.over(n.disk), n.disk.state(),
                recovered, recovered == null ? 0 : recovered.index(), n.snapshotSource, random.split());
        n.executor = new ReadyExecutor(n.protocol, new Host(n));
        n.clockOrigin = now;
        n.ticksGiven = 0;
        checker.onRestart(n.id);
        trace.add(now, n.id + " starts: term " + n.disk.state().term() + ", durable log " + n.disk.firstIndex() + ".."
                + n.disk.lastIndex() + ", snapshot " + n.lastSnapshotIndex);
        scheduleTick(n, n.epoch, random.nextInt((int) TICK_MS) + 1);
    }

    /** Recovery with a durable state machine, by the rules of the runtime (Recovery#recover). */
    private void restartDurable(SimNode n) {
        SimKvStateMachine sm = n.durableStateMachine != null ? n.durableStateMachine : new SimKvStateMachine();
        n.durableStateMachine = sm;
        n.stateMachine = sm;
        io.flotilla.raft.core.protocol.MembershipCodec.Membership initial =
                new io.flotilla.raft.core.protocol.MembershipCodec.Membership(configuration, Map.of());
        io.flotilla.raft.core.protocol.SnapshotFormat.Header full = n.snapshots.isEmpty() ? null
                : n.snapshots.lastEntry().getValue().header();
        // The newer of the newest snapshot and the newest checkpoint (the snapshot on a tie), as the runtime's.
        boolean fromCheckpoint = n.checkpoint != null && (full == null || n.checkpoint.index() > full.index());
        io.flotilla.raft.core.protocol.SnapshotFormat.Header snapshot = fromCheckpoint ? n.checkpoint : full;
        long applied = sm.appliedIndex();
        long first = n.disk.firstIndex();
        long last = n.disk.lastIndex();
        long snapshotIndex = snapshot == null ? 0 : snapshot.index();
        boolean agrees = snapshot == null || snapshotIndex < first - 1 || snapshotIndex > last
                || n.disk.termAt(snapshotIndex) == snapshot.term();
        long resumeAt;
        String how;
        if (applied > 0 && applied >= snapshotIndex && first - 1 <= applied && applied <= last && agrees) {
            n.appliedTerm = snapshot != null && applied == snapshotIndex ? snapshot.term() : n.disk.termAt(applied);
            n.appliedMembership = snapshot == null ? initial : snapshot.membership();
            for (long i = Math.max(first, snapshotIndex + 1); i <= applied; ) {
                List<LogEntry> chunk = n.disk.read(i, Math.min(applied + 1, i + 64), 1L << 20);
                for (LogEntry e : chunk) {
                    if (e.kind() == EntryKind.CONFIGURATION) {
                        n.appliedMembership = io.flotilla.raft.core.protocol.MembershipCodec.decode(e.payload());
                    }
                }
                i += chunk.size();
            }
            resumeAt = applied;
            how = "resumes from its state machine at " + applied;
            resumedFromStateMachine++;
        } else if (applied > last && applied > snapshotIndex) {
            // Only durable entries are applied, and a crash keeps the durable log: this would be an engine bug.
            throw new IllegalStateException(n.id + ": state machine at " + applied + " beyond the log (last " + last
                    + ") and the snapshot (" + snapshotIndex + ")");
        } else if (fromCheckpoint) {
            // A crash never takes the state machine below its last sync: this would be an engine bug.
            throw new IllegalStateException(n.id + ": state machine at " + applied + " behind the checkpoint at "
                    + snapshotIndex);
        } else if (snapshot == null) {
            sm.restore(new byte[0], 0); // nothing to resume from: start empty, replay the whole log
            n.appliedTerm = 0;
            n.appliedMembership = initial;
            resumeAt = 0;
            how = "starts empty";
        } else {
            sm.restore(io.flotilla.raft.core.protocol.SnapshotFormat.decode(n.snapshots.lastEntry().getValue().bytes())
                    .data(), snapshotIndex);
            n.appliedMembership = snapshot.membership();
            n.appliedTerm = snapshot.term();
            boolean logCoversIt = first - 1 <= snapshotIndex && snapshotIndex <= last
                    && n.disk.termAt(snapshotIndex) == snapshot.term();
            if (!logCoversIt) {
                n.disk.reset(snapshotIndex, snapshot.term());
            }
            resumeAt = snapshotIndex;
            how = "restores the snapshot (state machine at " + applied + ")";
            if (applied > 0) {
                restoredOverStateMachine++;
            }
        }
        n.lastSnapshotIndex = snapshotIndex;
        int epoch = n.epoch;
        n.materializing = false;
        n.onRequest = atLeast -> {
            if (!n.materializing) {
                // Written from a view in the background, as the runtime's Applier does: it takes a while.
                n.materializing = true;
                at(1 + random.nextInt(20), () -> onNode(n, epoch, () -> materialize(n, atLeast)));
            }
        };
        n.protocol = new RaftProtocol(n.id, configuration, Map.of(), options,
                io.flotilla.raft.core.protocol.StableLog.over(n.disk), n.disk.state(), snapshot, resumeAt,
                n.snapshotSource, random.split());
        n.executor = new ReadyExecutor(n.protocol, new Host(n));
        n.clockOrigin = now;
        n.ticksGiven = 0;
        checker.onRestart(n.id);
        trace.add(now, n.id + " starts: term " + n.disk.state().term() + ", durable log " + n.disk.firstIndex() + ".."
                + n.disk.lastIndex() + ", snapshot " + n.lastSnapshotIndex + ", " + how);
        scheduleTick(n, n.epoch, random.nextInt((int) TICK_MS) + 1);
    }

    private void crash(SimNode n) {
        if (!n.up) {
            return;
        }
        if (DURABLE && n.durableCheckpoint != null && random.nextInt(3) == 0) {
            // The state machine's disk lost its newest changes: it falls back to an older copy.
            n.durableStateMachine = n.durableCheckpoint;
            n.durableCheckpoint = null;
        }
        // The write under way may or may not have reached the disk before the crash.
        if (n.diskBusy && !n.diskQueue.isEmpty() && random.nextBoolean()) {
            ReadyExecutor.Write w = n.diskQueue.peekFirst();
            n.disk.write(w.state(), w.entries());
        }
        trace.add(now, n.id + " CRASHES (durable log " + n.disk.lastIndex() + ", lost " + n.diskQueue.size()
                + " queued writes)");
        n.up = false;
        n.epoch++;
        n.forgetVolatileState();
    }

    private void scheduleTick(SimNode n, int epoch, long delay) {
        at(delay, () -> onNode(n, epoch, () -> {
            pump(n);
            scheduleTick(n, epoch, TICK_MS);
        }));
    }

    /**
     * Runs an event of member {@code n}'s current incarnation: deferred while it is paused, dropped if it crashed
     * since. Like the real runtime, the member first catches its clock up, so nothing is judged by a stale clock.
     */
    private void onNode(SimNode n, int epoch, Runnable action) {
        if (n.epoch != epoch) {
            return;
        }
        if (now < n.pausedUntil) {
            events.add(new Event(n.pausedUntil, eventSeq++, () -> onNode(n, epoch, action)));
            return;
        }
        long due = (long) ((now - n.clockOrigin) * n.clockRate / TICK_MS);
        if (due > n.ticksGiven) {
            n.protocol.tick(due - n.ticksGiven);
            n.ticksGiven = due;
        }
        action.run();
    }

    /** Carries out the member's Ready batches through the same executor as the runtime. */
    private void pump(SimNode n) {
        n.executor.drain();
    }

    /** A simulated member's side of the {@link ReadyExecutor}: its disk completes writes in order, after a delay. */
    private final class Host implements ReadyExecutor.Host {
        private final SimNode n;

        Host(SimNode n) {
            this.n = n;
        }

        @Override
        public void send(RaftMessage message) {
            Simulation.this.send(message);
        }

        @Override
        public void persist(ReadyExecutor.Write write) {
            checker.onAppend(n.protocol, write.entries());
            n.diskQueue.addLast(write);
            if (!n.diskBusy) {
                startNextWrite(n);
            }
        }

        @Override
        public void compact(long throughIndex) {
            if (throughIndex > n.disk.firstIndex() - 1) {
                n.disk.compactPrefix(Math.min(throughIndex, n.disk.lastIndex()));
            }
        }

        @Override
        public void settle(Ready.Forwarded forwarded) {
            settleForwarded(n, forwarded);
        }

        @Override
        public void apply(List<LogEntry> committed) {
            applyCommitted(n, committed);
            answerReads(n);
        }

        @Override
        public void readReady(Ready.ReadReady r) {
            SimClient.Op op = n.readRequests.remove(r.requestId());
            if (op != null) {
                n.reads.add(new SimNode.WaitingRead(op, r.readIndex()));
                answerReads(n);
            }
        }

        @Override
        public void readFailed(Ready.ReadFailed r) {
            SimClient.Op op = n.readRequests.remove(r.requestId());
            if (op != null) {
                reply(op, null, r.leader());
            }
        }
    }

    private void startNextWrite(SimNode n) {
        if (n.diskQueue.isEmpty()) {
            n.diskBusy = false;
            return;
        }
        n.diskBusy = true;
        int epoch = n.epoch;
        long latency = 1 + random.nextInt(3) + (random.nextInt(50) == 0 ? 20 : 0) + random.nextInt(slowDiskMillis + 1);
        at(latency, () -> onNode(n, epoch, () -> {
            ReadyExecutor.Write w = n.diskQueue.pollFirst();
            if (w.changesLog()) {
                n.disk.write(w.state(), w.entries());
            }
            w.chunks().forEach(chunk -> receiveChunk(n, chunk));
            w.after().forEach(this::send);
            n.executor.written(w);
            startNextWrite(n);
            pump(n);
        }));
    }

    /** Appends a chunk to the snapshot being received; the last one installs it, as the runtime does. */
    private void receiveChunk(SimNode n, Ready.SnapshotChunk chunk) {
        if (chunk.offset() == 0) {
            n.receiving = new java.io.ByteArrayOutputStream();
        }
        n.receiving.write(chunk.data(), 0, chunk.data().length);
        if (!chunk.last()) {
            return;
        }
        byte[] bytes = n.receiving.toByteArray();
        n.receiving = new java.io.ByteArrayOutputStream();
        io.flotilla.raft.core.protocol.SnapshotFormat.Decoded d;
        try {
            d = io.flotilla.raft.core.protocol.SnapshotFormat.decode(bytes);
        } catch (IllegalArgumentException corrupt) {
            trace.add(now, n.id + " rejects received snapshot: " + corrupt.getMessage());
            n.protocol.snapshotInstallFailed();
            return;
        }
        // Durable snapshot first, then the log reset, then the state machine: the order a crash can interrupt.
        n.snapshots.put(d.header().index(), new SimNode.StoredSnapshot(d.header(), bytes));
        n.disk.reset(d.header().index(), d.header().term());
        n.stateMachine.restore(d.data(), d.header().index());
        n.appliedMembership = d.header().membership();
        n.appliedTerm = d.header().term();
        n.lastSnapshotIndex = d.header().index();
        snapshotsInstalled++;
        trace.add(now, n.id + " installed snapshot " + d.header().index() + "@" + d.header().term());
        n.protocol.snapshotInstalled(d.header().index(), d.header().term(), d.header().membership());
    }

    private void takeSnapshotIfDue(SimNode n) {
        long applied = n.stateMachine.appliedIndex();
        if (applied - n.lastSnapshotIndex < options.snapshotThresholdEntries()) {
            return;
        }
        if (DURABLE) {
            // A checkpoint (Applier#maybeCheckpoint): the state machine synced, so a crash never falls back below it.
            n.durableCheckpoint = n.stateMachine.copy();
            n.checkpoint = io.flotilla.raft.core.protocol.SnapshotFormat.decode(
                    io.flotilla.raft.core.protocol.SnapshotFormat.encode(applied, n.appliedTerm, n.appliedMembership,
                            new byte[0])).header();
            checkpoints++;
            n.lastSnapshotIndex = applied;
            n.protocol.compactLog(applied);
            return;
        }
        storeFullSnapshot(n, applied);
        n.lastSnapshotIndex = applied;
        n.protocol.compactLog(applied);
    }

    /** Writes the state machine's full snapshot at {@code applied} as durable, keeping the newest two as the runtime. */
    private static void storeFullSnapshot(SimNode n, long applied) {
        byte[] bytes = io.flotilla.raft.core.protocol.SnapshotFormat.encode(applied, n.appliedTerm,
                n.appliedMembership, n.stateMachine.snapshot());
        n.snapshots.put(applied, new SimNode.StoredSnapshot(
                io.flotilla.raft.core.protocol.SnapshotFormat.decode(bytes).header(), bytes));
        while (n.snapshots.size() > 2) {
            n.snapshots.pollFirstEntry();
        }
    }

    /** A follower needs a snapshot at or beyond {@code atLeast}: one is written at the applied index (Applier#materialize). */
    private void materialize(SimNode n, long atLeast) {
        n.materializing = false;
        long applied = n.stateMachine.appliedIndex();
        if (!n.snapshots.isEmpty() && n.snapshots.lastKey() >= atLeast) {
            return;
        }
        storeFullSnapshot(n, applied);
        snapshotsMaterialized++;
        trace.add(now, n.id + " writes a snapshot at " + applied + " for a follower that needs " + atLeast);
        pump(n);
    }

    private void applyCommitted(SimNode n, List<LogEntry> committed) {
        for (LogEntry e : committed) {
            checker.onApply(n.protocol, e);
            if (e.kind() == EntryKind.COMMAND) {
                firstApplied.putIfAbsent(ByteBuffer.wrap(e.payload()), now);
                Long first = appliedIndexOf.putIfAbsent(ByteBuffer.wrap(e.payload()), e.index());
                if (first != null && first != e.index() && !KvCommands.decode(e.payload())[1].equals(PROBE_KEY)) {
                    // Every write is unique: the same command at two indexes was appended twice (a repeated
                    // forwarded batch taken for a new one).
                    throw failure(n.id + " applied " + String.join(" ", KvCommands.decode(e.payload())) + " at "
                            + e.index() + ", which was applied at " + first + " already", null);
                }
            }
            if (e.kind() == EntryKind.COMMAND && refusedWrites.contains(ByteBuffer.wrap(e.payload()))) {
                // A refusal promises the write had no effect (the client may retry it); every write is unique.
                throw failure(n.id + " applied " + String.join(" ", KvCommands.decode(e.payload())) + " at "
                        + e.index() + ", a write its client was told was refused", null);
            }
            if (e.kind() == EntryKind.COMMAND) {
                n.stateMachine.apply(e.index(), e.payload());
            } else {
                n.stateMachine.skip(e.index());
            }
            n.appliedTerm = e.term();
            n.recentlyApplied.put(e.index(), e.term());
            if (e.kind() == EntryKind.CONFIGURATION) {
                n.appliedMembership = io.flotilla.raft.core.protocol.MembershipCodec.decode(e.payload());
            }
            SimNode.WaitingWrite w = n.writes.remove(e.index());
            if (w != null && w.term() == e.term()
                    && !java.util.Arrays.equals(KvCommands.encode(w.op().input()), e.payload())) {
                // The proposal's place, as the protocol reported it, must hold the proposal: else a client would be
                // answered with another write's result (a forwarded write placed at the wrong index).
                throw failure(n.id + " would answer " + w.op().input() + " with the entry at " + e.index() + " of term "
                        + e.term() + ", which holds another command", null);
            }
            if (w != null) {
                // Another term at our index means a later leader replaced the entry: it was never committed.
                reply(w.op(), w.term() == e.term() ? KvOutput.ok() : null, n.protocol.leader());
            }
        }
        if (!committed.isEmpty()) {
            n.protocol.applied(committed.get(committed.size() - 1).index());
            takeSnapshotIfDue(n);
            if (DURABLE && random.nextInt(16) == 0) {
                n.durableCheckpoint = n.stateMachine.copy(); // what a later crash may fall back to
            }
        }
    }

    /** As the runtime does: a placed write waits for its entry; a refused one is retried; an unknown one times out. */
    private void settleForwarded(SimNode n, Ready.Forwarded f) {
        for (int i = 0; i < f.proposalIds().size(); i++) {
            SimClient.Op op = n.forwardedWrites.remove(f.proposalIds().get(i));
            if (op == null) {
                continue;
            }
            if (f.placed()) {
                forwardedWritesPlaced++;
                long index = f.firstIndex() + i;
                if (index > n.stateMachine.appliedIndex()) {
                    n.writes.put(index, new SimNode.WaitingWrite(op, f.term()));
                } else if (n.recentlyApplied.containsKey(index)) {
                    // Applied before its place was known (the network reordered): answered as RecentResults does.
                    long term = n.recentlyApplied.get(index);
                    reply(op, term == f.term() ? KvOutput.ok() : null, n.protocol.leader());
                }
                // Otherwise never answered: the client times out (unknown), as the runtime's caller would.
            } else if (!f.outcomeUnknown()) {
                reply(op, null, f.leader());
            }
        }
    }

    private void answerReads(SimNode n) {
        n.reads.removeIf(r -> {
            if (r.readIndex() > n.stateMachine.appliedIndex()) {
                return false;
            }
            String key = ((KvInput.Get) r.op().input()).key();
            reply(r.op(), KvOutput.value(n.stateMachine.get(key)), null);
            return true;
        });
    }

    // ---------------------------------------------------------------------------------------------- network

    private void send(RaftMessage m) {
        if (!network.canReach(m.from(), m.to()) || network.lose()) {
            return;
        }
        int copies = network.duplicate() ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            at(network.delay(), () -> deliver(m));
        }
    }

    private void deliver(RaftMessage m) {
        SimNode to = node(m.to());
        if (!to.up || !network.canReach(m.from(), m.to())) {
            return;
        }
        onNode(to, to.epoch, () -> {
            trace.add(now, "deliver", m);
            if (m instanceof io.flotilla.raft.api.message.TimeoutNowRequest) {
                timeoutNows++;
            }
            to.protocol.step(m);
            pump(to);
        });
    }

    // ---------------------------------------------------------------------------------------------- clients

    private void nextOp(SimClient c) {
        if (c.stopped) {
            return;
        }
        String key = KEYS[random.nextInt(KEYS.length)];
        int kind = random.nextInt(10);
        c.seq++;
        KvInput input = kind < 4 ? KvInput.put(key, "c" + c.id + "-" + c.seq)
                : kind < 7 ? KvInput.append(key, c.id + "." + c.seq + ";")
                : KvInput.get(key);
        boolean lease = input instanceof KvInput.Get && random.nextBoolean();
        SimClient.Op op = new SimClient.Op(c, c.seq, input, now, lease);
        c.current = op;
        at(CLIENT_TIMEOUT_MS, () -> {
            if (c.current == op) {
                // No answer: the operation may or may not have taken effect.
                history.add(Operation.unknown(c.id, input, op.callTime()));
                c.current = null;
                c.target = nodes.get(random.nextInt(nodes.size())).id;
                at(1 + random.nextInt(20), () -> nextOp(c));
            }
        });
        // Requests sometimes go to any member: followers serve reads through ReadIndex from the leader, and forward
        // writes to it.
        NodeId target = random.nextInt(3) == 0
                ? nodes.get(random.nextInt(nodes.size())).id : c.target;
        at(1 + random.nextInt(3), () -> arrive(op, node(target)));
    }

    private void arrive(SimClient.Op op, SimNode n) {
        if (!n.up) {
            reply(op, null, null);
            return;
        }
        onNode(n, n.epoch, () -> handleRequest(op, n));
    }

    private void handleRequest(SimClient.Op op, SimNode n) {
        if (op.input() instanceof KvInput.Get) {
            long id = nextReadId++;
            n.readRequests.put(id, op);
            trace.add(now, n.id + " read " + id + (op.lease() ? " (lease)" : " (read index)"), op.input());
            if (n.protocol.role() != RaftRole.LEADER) {
                followerReads++;
            }
            if (op.lease()) {
                if (n.protocol.holdsLease()) {
                    leaseHits++;
                }
                n.protocol.leaseRead(id);
            } else {
                n.protocol.readIndex(id);
            }
        } else {
            long id = nextProposalId++;
            ProposalResult result = n.protocol.proposeOrForward(id, KvCommands.encode(op.input()));
            trace.add(now, n.id + " write " + id + (result.forwarded() ? " (forwarded)" : ""), op.input());
            if (result.accepted()) {
                n.writes.put(result.index(), new SimNode.WaitingWrite(op, result.term()));
            } else if (result.forwarded()) {
                n.forwardedWrites.put(id, op);
            } else {
                reply(op, null, result.leader());
            }
        }
        pump(n);
    }

    /**
     * Sends the outcome back; {@code output == null} is a refusal: the operation had no effect. {@code leaderHint},
     * if not null, is where the client sends its next requests.
     */
    private void reply(SimClient.Op op, KvOutput output, NodeId leaderHint) {
        at(1 + random.nextInt(3), () -> {
            SimClient c = op.client();
            if (c.current != op) {
                return;
            }
            c.current = null;
            if (output == null && !(op.input() instanceof KvInput.Get)) {
                refusedWrites.add(ByteBuffer.wrap(KvCommands.encode(op.input())));
            }
            if (output != null) {
                history.add(new Operation<>(c.id, op.input(), op.callTime(), now, output));
                if (leaderHint != null) {
                    // A client learns the leader from a write's answer, so most writes go to it directly, and a
                    // share (see nextOp) to a follower that forwards them.
                    c.target = leaderHint;
                }
            } else {
                c.target = leaderHint != null ? leaderHint : nodes.get(random.nextInt(nodes.size())).id;
            }
            at(1 + random.nextInt(20), () -> nextOp(c));
        });
    }

    // ----------------------------------------------------------------------------------------------- faults

    private void scheduleFault() {
        at(200 + random.nextInt(1300), () -> {
            if (now >= FAULT_PHASE_MS) {
                return;
            }
            injectFault();
            scheduleFault();
        });
    }

    private void injectFault() {
        switch (random.nextInt(12)) {
            case 11 -> leader().ifPresent(this::changeMembership);
            case 9 -> leader().ifPresent(l -> {
                SimNode target = nodes.get(random.nextInt(nodes.size()));
                trace.add(now, "TRANSFER leadership " + l.id + " -> " + target.id);
                onNode(l, l.epoch, () -> {
                    try {
                        if (l.protocol.transferLeadership(target.id)) {
                            pump(l);
                        }
                    } catch (IllegalArgumentException notAVoter) {
                        trace.add(now, "TRANSFER refused: " + notAVoter.getMessage());
                    }
                });
            });
            case 10 -> {
                // A stop-the-world pause, longer than a lease, most often of the leader.
                SimNode victim = random.nextBoolean() ? leader().orElse(nodes.get(0))
                        : nodes.get(random.nextInt(nodes.size()));
                victim.pausedUntil = Math.max(victim.pausedUntil, now + 100 + random.nextInt(1400));
                pauses++;
                trace.add(now, "PAUSE " + victim.id + " until " + victim.pausedUntil + " ms");
            }
            case 0 -> crashFor(nodes.get(random.nextInt(nodes.size())));
            case 7 -> {
                // Crash inside the fsync window, where a member has promised nothing yet: what it loses must not matter.
                List<SimNode> writing = nodes.stream().filter(n -> n.up && n.diskBusy).toList();
                if (!writing.isEmpty()) {
                    crashFor(writing.get(random.nextInt(writing.size())));
                }
            }
            case 8 -> {
                slowDiskMillis = random.nextBoolean() ? 0 : 5 + random.nextInt(40);
                trace.add(now, "DISK latency +" + slowDiskMillis + " ms");
            }
            case 1 -> leader().ifPresent(this::crashFor);
            case 2 -> {
                List<SimNode> shuffled = new ArrayList<>(nodes);
                for (int i = shuffled.size() - 1; i > 0; i--) {
                    java.util.Collections.swap(shuffled, i, random.nextInt(i + 1));
                }
                int split = 1 + random.nextInt(nodes.size() - 1);
                for (int i = 0; i < split; i++) {
                    for (int j = split; j < shuffled.size(); j++) {
                        network.cut(shuffled.get(i).id, shuffled.get(j).id);
                        network.cut(shuffled.get(j).id, shuffled.get(i).id);
                    }
                }
                trace.add(now, "PARTITION " + shuffled.subList(0, split).stream().map(n -> n.id).toList() + " | "
                        + shuffled.subList(split, shuffled.size()).stream().map(n -> n.id).toList());
                healPartitionLater();
            }
            case 3 -> {
                SimNode a = nodes.get(random.nextInt(nodes.size()));
                SimNode b = nodes.get(random.nextInt(nodes.size()));
                if (a != b) {
                    // One direction, or one broken link between two members that both still reach the others:
                    // the partial connectivity in which a second leader can arise beside a live one.
                    network.cut(a.id, b.id);
                    boolean both = random.nextBoolean();
                    if (both) {
                        network.cut(b.id, a.id);
                    }
                    trace.add(now, (both ? "LINK cut " : "ONE-WAY cut ") + a.id + " -> " + b.id);
                    healPartitionLater();
                }
            }
            case 4 -> leader().ifPresent(l -> {
                for (SimNode other : nodes) {
                    if (other != l) {
                        network.cut(l.id, other.id);
                        network.cut(other.id, l.id);
                    }
                }
                trace.add(now, "ISOLATE leader " + l.id);
                healPartitionLater();
            });
            case 5 -> {
                network.lossRate = random.nextDouble() * 0.2;
                network.duplicateRate = random.nextDouble() * 0.1;
                network.maxDelayMillis = 1 + random.nextInt(40);
                network.slowRate = random.nextDouble() * 0.05;
                trace.add(now, "NETWORK " + network.describe());
            }
            default -> {
                network.calm();
                trace.add(now, "NETWORK calm");
            }
        }
    }

    /** Proposes a random new membership: any non-empty set of voters from the pool, some others as learners. */
    private void changeMembership(SimNode leader) {
        java.util.Map<NodeId, String> voters = new java.util.TreeMap<>();
        java.util.Map<NodeId, String> learners = new java.util.TreeMap<>();
        for (SimNode n : nodes) {
            int pick = random.nextInt(4);
            if (pick < 2) {
                voters.put(n.id, "sim:" + n.id);
            } else if (pick == 2) {
                learners.put(n.id, "sim:" + n.id);
            }
        }
        if (voters.isEmpty()) {
            voters.put(leader.id, "sim:" + leader.id);
        }
        trace.add(now, "MEMBERSHIP " + leader.id + " proposes voters " + voters.keySet() + " learners "
                + learners.keySet());
        onNode(leader, leader.epoch, () -> {
            try {
                leader.protocol.proposeMembership(voters, learners);
                pump(leader);
            } catch (IllegalStateException | IllegalArgumentException e) {
                trace.add(now, "MEMBERSHIP refused: " + e.getMessage());
            }
        });
    }

    private java.util.Optional<SimNode> leader() {
        return nodes.stream().filter(n -> n.up && n.protocol.role() == RaftRole.LEADER).findFirst();
    }

    private void crashFor(SimNode n) {
        if (!n.up) {
            return;
        }
        crash(n);
        int epoch = n.epoch;
        // Some restarts are immediate (a supervisor), so a member can come back within the same election.
        long downFor = random.nextInt(3) == 0 ? 5 + random.nextInt(45) : 200 + random.nextInt(2800);
        at(downFor, () -> {
            if (n.epoch == epoch && now < FAULT_PHASE_MS) {
                restart(n);
            }
        });
    }

    private void healPartitionLater() {
        at(300 + random.nextInt(2700), () -> {
            network.healAll();
            trace.add(now, "HEAL partitions");
        });
    }

    private void healEverything() {
        network.healAll();
        network.calm();
        slowDiskMillis = 0;
        trace.add(now, "FAULTS STOP: network healed, crashed members restart");
        for (SimNode n : nodes) {
            if (!n.up) {
                restart(n);
            }
        }
    }

    // ----------------------------------------------------------------------------------------------- checks

    /**
     * After healing, a leader must commit an entry of its term and a new proposal must be applied on every member
     * within {@link #LIVENESS_BOUND_MS}. A stale leader (one not yet told of a newer term) may accept the probe and
     * lose it; then the probe goes to the newest leader again.
     */
    private void checkLiveness() {
        long deadline = now + LIVENESS_BOUND_MS;
        ProposalResult probe = null;
        SimNode proposer = null;
        while (now < deadline) {
            runUntil(now + TICK_MS);
            if (probe != null && appliedEverywhere(probe)) {
                return;
            }
            boolean lost = probe == null || !proposer.up || proposer.protocol.role() != RaftRole.LEADER
                    || proposer.protocol.term() != probe.term();
            SimNode leader = newestLeader();
            if (lost && leader != null && leader.protocol.termAt(leader.protocol.commitIndex()) == leader.protocol.term()) {
                probe = leader.protocol.propose(KvCommands.encode(KvInput.put(PROBE_KEY, "seed" + seed)));
                proposer = leader;
                pump(leader);
            }
        }
        throw failure(probe == null
                ? "Liveness: no leader committed an entry of its term within " + LIVENESS_BOUND_MS
                        + " ms after the faults stopped"
                : "Liveness: proposal " + probe.index() + "@" + probe.term() + " was not applied on every member within "
                        + LIVENESS_BOUND_MS + " ms of healing", null);
    }

    private SimNode newestLeader() {
        SimNode best = null;
        for (SimNode n : nodes) {
            if (n.up && n.protocol.role() == RaftRole.LEADER && (best == null || n.protocol.term() > best.protocol.term())) {
                best = n;
            }
        }
        return best;
    }

    private boolean appliedEverywhere(ProposalResult probe) {
        SimNode leader = newestLeader();
        Long committed = checker.committedTermAt(probe.index());
        if (leader == null || committed == null || committed != probe.term()) {
            return false;
        }
        for (SimNode n : nodes) {
            if (!leader.protocol.configuration().contains(n.id)) {
                continue; // not a member (any more): it need not follow the log
            }
            if (!n.up || n.stateMachine.appliedIndex() < probe.index()) {
                return false;
            }
        }
        return true;
    }

    private void checkLinearizable() {
        List<Operation<KvInput, KvOutput>> resolved = resolveUnknowns();
        CheckResult result = LinearizabilityChecker.check(new KvModel(), resolved, Duration.ofSeconds(60));
        if (result.verdict() != Verdict.OK) {
            throw failure("Linearizability: the clients' history (" + history.size() + " operations, "
                    + history.stream().filter(Operation::isUnknown).count() + " of unknown outcome, "
                    + resolved.stream().filter(Operation::isUnknown).count() + " left unknown once resolved by what"
                    + " was applied) is " + result.verdict() + ": " + result.explanation(), null);
        }
    }

    /**
     * Resolves the clients' unknown outcomes with what the simulation knows and a client does not, so the checker
     * decides more, not less: an unknown write whose command was applied took effect between its call and its first
     * apply on any member (commit comes before apply), so it becomes a completed write returning then; one never
     * applied had no effect on anything observed, and neither has an unknown read: both are dropped. Every write is
     * unique (client id and sequence), so a command names its operation. Without this, each unknown write may take
     * effect at any later point, and a few dozen of them overlapping make the search exponential.
     */
    private List<Operation<KvInput, KvOutput>> resolveUnknowns() {
        List<Operation<KvInput, KvOutput>> resolved = new ArrayList<>(history.size());
        for (Operation<KvInput, KvOutput> op : history) {
            if (!op.isUnknown()) {
                resolved.add(op);
                continue;
            }
            if (op.input() instanceof KvInput.Get) {
                continue;
            }
            Long appliedAt = firstApplied.get(ByteBuffer.wrap(KvCommands.encode(op.input())));
            if (appliedAt != null) {
                resolved.add(new Operation<>(op.clientId(), op.input(), op.callTime(), appliedAt, KvOutput.ok()));
            }
        }
        return resolved;
    }

    private String describeMembers() {
        StringBuilder out = new StringBuilder();
        for (SimNode n : nodes) {
            if (!n.up) {
                out.append(n.id).append(": down, durable log ").append(n.disk.lastIndex()).append('\n');
                continue;
            }
            RaftProtocol p = n.protocol;
            out.append(String.format("%s: %s term %d leader %s commit %d last %d durable %d applied %d queued writes %d%n",
                    n.id, p.role(), p.term(), p.leader(), p.commitIndex(), p.lastIndex(), p.durableIndex(),
                    n.stateMachine.appliedIndex(), n.diskQueue.size()));
        }
        return out.toString() + "network: " + network.describe() + "\n";
    }

    private AssertionError failure(String what, Throwable cause) {
        AssertionError error = new AssertionError("Simulation seed " + seed + " failed at " + now + " ms: " + what
                + "\nReplay: mvn -B test -pl raft.core -am -Dtest=SimulationTest -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dflotilla.sim.seed=" + seed
                + "\n--- members ---\n" + describeMembers()
                + "--- last events ---\n" + trace.dump());
        if (cause != null) {
            error.initCause(cause);
        }
        return error;
    }
}
