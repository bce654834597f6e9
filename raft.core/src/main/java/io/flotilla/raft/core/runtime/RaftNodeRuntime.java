package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.LeadershipListener;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeClosedException;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.OverloadedException;
import io.flotilla.raft.api.RaftNode;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftStatus;
import io.flotilla.raft.api.RaftTimeoutException;
import io.flotilla.raft.api.ReadConsistency;
import io.flotilla.raft.api.StateMachine;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.Transport;
import io.flotilla.raft.core.protocol.MembershipCodec;
import io.flotilla.raft.core.protocol.ProposalResult;
import io.flotilla.raft.core.protocol.SnapshotFormat;
import io.flotilla.raft.core.protocol.SnapshotSource;
import io.flotilla.raft.core.protocol.StableLog;
import io.flotilla.raft.core.protocol.RaftProtocol;
import io.flotilla.raft.core.protocol.Ready;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * A running member: one event-loop thread owns the {@link RaftProtocol} and carries out its {@link Ready} batches
 * against the {@link LogStore} and the {@link Transport}; an {@link Applier} thread drives the state machine; a
 * {@link SnapshotWriter} thread, created at the first snapshot of a state machine that offers views, writes snapshots
 * while applying goes on.
 *
 * <p><b>Group commit.</b> While the loop waits for a durable write, new proposals and messages queue up; the next
 * iteration takes them all, so they share one write and one fsync. Under load, batches grow by themselves.
 *
 * <p><b>Bounded memory.</b> Requests are admitted only while fewer than {@link RaftOptions#maxPendingRequests()} wait
 * in the queue (else {@link OverloadedException}, which is retryable); inbound messages beyond a fixed bound are
 * dropped, which Raft tolerates like any message loss.
 */
public final class RaftNodeRuntime implements RaftNode {

    /** Inbound peer messages queued at most; beyond it they are dropped (Raft treats that as loss). */
    static final int MAX_QUEUED_MESSAGES = 10_000;
    /** Events handled per loop iteration at most, so ticks and writes are not starved by a flood. */
    private static final int MAX_EVENTS_PER_ITERATION = 8_192;

    private sealed interface Event permits Inbound, Propose, Read, Transfer, ChangeMembership, SnapshotTaken, Wake {
    }

    private record SnapshotTaken(long index) implements Event {
    }

    private record ChangeMembership(Map<NodeId, String> voters, Map<NodeId, String> learners,
                                    CompletableFuture<ClusterConfiguration> future) implements Event {
    }

    private record Inbound(RaftMessage message) implements Event {
    }

    private record Propose(byte[] command, CompletableFuture<byte[]> future) implements Event {
    }

    private record Read(ReadRequest request, boolean lease) implements Event {
    }

    private record Transfer(NodeId target, CompletableFuture<Void> future) implements Event {
    }

    private record PendingTransfer(NodeId target, CompletableFuture<Void> future, long deadlineNanos) {
    }

    private record Wake() implements Event {
    }

    private static final Wake WAKE = new Wake();

    private final NodeId self;
    private final RaftOptions options;
    private final LogStore store;
    private final Transport transport;
    private final RaftProtocol protocol;
    private final Applier applier;
    private final SnapshotFiles snapshots;
    private final LongSupplier nanoClock;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedRequests = new AtomicInteger();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final Deadlines deadlines;
    private final Map<Long, ReadRequest> reads = new HashMap<>();
    private final List<PendingTransfer> transfers = new ArrayList<>();
    private final Thread loopThread;
    private final Thread applyThread;
    private long nextReadId;
    private long nextProposalId;
    /** Proposals forwarded to the leader, by id, until it places them (or their deadline); then the applier has them. */
    private final Map<Long, ForwardedProposal> forwardedProposals = new HashMap<>();
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile RaftStatus status;
    private final CopyOnWriteArraySet<LeadershipListener> listeners = new CopyOnWriteArraySet<>();

    private RaftNodeRuntime(NodeId self, ClusterConfiguration configuration, Map<NodeId, String> addresses,
                            RaftOptions options, LogStore store, Transport transport, StateMachine stateMachine,
                            Path snapshotDirectory, LongSupplier nanoClock, RandomGenerator random) {
        this.self = self;
        this.options = options;
        this.store = store;
        this.transport = transport;
        this.nanoClock = nanoClock;
        this.deadlines = new Deadlines(options.requestTimeoutMillis());
        this.snapshots = snapshotDirectory == null ? null : SnapshotFiles.open(snapshotDirectory);
        // A checkpoint newer than the newest snapshot is where the log starts: recovery starts there too.
        SnapshotFormat.Header snapshot = snapshots == null ? null : snapshots.newest();
        Applier.Start start = recover(self, store, stateMachine, snapshots, snapshot,
                new MembershipCodec.Membership(configuration, addresses));
        this.protocol = new RaftProtocol(self, configuration, addresses, options, StableLog.over(store),
                store.state(), snapshot, start.index(), snapshots == null ? SnapshotSource.NONE : snapshots, random);
        this.applier = new Applier(self, stateMachine, start, index -> events.add(WAKE), snapshots,
                options.snapshotThresholdEntries(), options.snapshotSizeRatio(),
                index -> events.add(new SnapshotTaken(index)));
        this.loopThread = new Thread(this::loop, "flotilla-raft-" + self);
        this.applyThread = new Thread(applier, "flotilla-apply-" + self);
        publishStatus();
    }

    /** Entries read at a time when recovery scans the log: bounded, so a long log is never read whole. */
    private static final int RECOVERY_CHUNK_ENTRIES = 1024;
    private static final long RECOVERY_CHUNK_BYTES = 4L << 20;
    /** How long close() waits for the snapshot writer thread once its write is cancelled. */
    static final long SNAPSHOT_WRITER_CLOSE_MILLIS = 5_000;

    /**
     * Recovery (Raft §7; thesis §5.2 for a state machine kept on disk): brings the state machine to where applying
     * resumes. With S the newest valid snapshot and I = {@link StateMachine#lastAppliedIndex()}:
     * <ul>
     * <li>I &ge; S (or no S), and the log holds I: the state machine's own state is kept, no snapshot is restored;
     *     applying resumes after I and replays only the log's tail. The term at I comes from the log (S's if I is
     *     S's index), the configuration from the last configuration entry at or before I (else S's, else the initial
     *     one), found by reading the log in bounded chunks;</li>
     * <li>I &lt; S: the state machine lost its newest changes (or holds none, as one in memory): S is restored, as
     *     always, and the log after it replayed; unless S is a checkpoint, which holds no state: the start fails
     *     (the state machine lost what it had reported durable);</li>
     * <li>I beyond both the log and S: the state machine holds committed entries this member's log does not — it
     *     belongs to another data directory, or the log lost its tail — and the start fails naming both indexes.
     *     Going on would let this member vote and replicate as if it lacked entries its state machine has applied.
     *     (I beyond the log but equal to S is not an error: the state machine holds exactly the snapshot, which is
     *     restored over it, and the log reset to it, as after a crash between a snapshot install and the log reset;
     *     so is I between S and the log's start, left by a damaged newer snapshot: S is restored.)</li>
     * </ul>
     * Only committed entries are ever applied, so I is committed and the protocol's commit index may start there; the
     * protocol hands out entries from I + 1 and the applier skips none (both start at I).
     */
    private static Applier.Start recover(NodeId self, LogStore store, StateMachine stateMachine,
                                         SnapshotFiles snapshots, SnapshotFormat.Header snapshot,
                                         MembershipCodec.Membership initial) {
        System.Logger log = System.getLogger(RaftNodeRuntime.class.getName());
        long applied = stateMachine.lastAppliedIndex();
        long first = store.firstIndex();
        long last = store.lastIndex();
        long snapshotIndex = snapshot == null ? 0 : snapshot.index();
        if (applied < 0) {
            throw new IllegalStateException(self + ": the state machine's lastAppliedIndex() is negative: " + applied);
        }
        boolean logHoldsApplied = first - 1 <= applied && applied <= last;
        // Where the log holds the snapshot's index it has the snapshot's term there (both are committed history);
        // if not, the log is not the one the state machine applied, and the snapshot path below sorts it out.
        boolean logAgreesWithSnapshot = snapshot == null || snapshotIndex < first - 1 || snapshotIndex > last
                || store.termAt(snapshotIndex) == snapshot.term();
        if (applied > 0 && applied >= snapshotIndex && logHoldsApplied && logAgreesWithSnapshot) {
            return resume(self, store, snapshot, initial, applied, log);
        }
        if (applied > last && applied > snapshotIndex) {
            throw new IllegalStateException(self + ": the state machine has applied up to index " + applied
                    + " but this member's log ends at index " + last + (snapshot == null ? " and it has no snapshot"
                    : " and its newest snapshot is at index " + snapshotIndex) + ": the state machine holds entries the"
                    + " log does not; is the data directory the right one for this state machine?");
        }
        if (snapshot == null) {
            if (applied > 0) {
                throw new IllegalStateException(self + ": the state machine has applied up to index " + applied
                        + " but this member's log starts at index " + first + " and there is no snapshot to replay"
                        + " from: the entries in between are gone");
            }
            return new Applier.Start(0, 0, initial, 0, 0);
        }
        if (snapshots.isCheckpoint(snapshot)) {
            // A checkpoint holds no state to restore: the state machine promised it was durable (persistApplied).
            throw new IllegalStateException(self + ": the state machine is at index " + applied + " but it reported "
                    + "the log up to index " + snapshotIndex + " durable (checkpoint " + snapshotIndex + "), and the "
                    + "log before that is compacted: the state machine's data is lost or not this member's; restore it"
                    + " from a backup, or remove the member and add it again with an empty data directory");
        }
        if (applied > snapshotIndex) {
            log.log(System.Logger.Level.WARNING, self + ": the state machine is at index " + applied + " but the log "
                    + "holds " + first + ".." + last + "; restoring the snapshot at " + snapshotIndex + " instead");
        } else if (applied > 0) {
            log.log(System.Logger.Level.INFO, self + ": the state machine is at index " + applied
                    + ", behind the snapshot at " + snapshotIndex + ": restoring the snapshot");
        }
        snapshots.restore(snapshot, stateMachine);
        boolean logCoversSnapshot = first - 1 <= snapshotIndex && snapshotIndex <= last
                && store.termAt(snapshotIndex) == snapshot.term();
        if (!logCoversSnapshot) {
            store.reset(snapshotIndex, snapshot.term()); // a crash came between snapshot and log reset
        }
        return new Applier.Start(snapshotIndex, snapshot.term(), snapshot.membership(), snapshotIndex, 0);
    }

    /** Resumes from the state machine's own index {@code applied}, which the log holds (see {@link #recover}). */
    private static Applier.Start resume(NodeId self, LogStore store, SnapshotFormat.Header snapshot,
                                        MembershipCodec.Membership initial, long applied, System.Logger log) {
        long snapshotIndex = snapshot == null ? 0 : snapshot.index();
        long term = snapshot != null && applied == snapshotIndex ? snapshot.term() : store.termAt(applied);
        // The configuration at the snapshot's index is in its header; after it, the log's entries decide. The same
        // scan adds up the payloads applied since the snapshot, which the size-ratio threshold counts.
        MembershipCodec.Membership membership = snapshot == null ? initial : snapshot.membership();
        long bytes = 0;
        for (long i = Math.max(store.firstIndex(), snapshotIndex + 1); i <= applied; ) {
            List<LogEntry> chunk = store.read(i, Math.min(applied + 1, i + RECOVERY_CHUNK_ENTRIES),
                    RECOVERY_CHUNK_BYTES);
            if (chunk.isEmpty()) {
                throw new IllegalStateException(self + ": the log returned no entry at index " + i);
            }
            for (LogEntry e : chunk) {
                if (e.kind() == io.flotilla.raft.api.EntryKind.CONFIGURATION) {
                    membership = MembershipCodec.decode(e.payload());
                }
                bytes += e.payload().length;
            }
            i += chunk.size();
        }
        log.log(System.Logger.Level.INFO, self + ": the state machine holds the log up to index " + applied
                + (snapshot == null ? "" : " (newest snapshot at " + snapshotIndex + ", not restored)")
                + "; " + (store.lastIndex() - applied) + " entries after it in the log, applied as they commit");
        return new Applier.Start(applied, term, membership, snapshotIndex, bytes);
    }

    /**
     * Starts a member over an open store and a created (not started) transport.
     *
     * @param self          this member
     * @param configuration the cluster configuration
     * @param options       engine options
     * @param store         the member's log store, open; closed by {@link #close()}
     * @param transport     the member's transport, not yet started; closed by {@link #close()}
     * @param stateMachine  the application state machine
     * @param nanoClock     monotonic clock in nanoseconds (e.g. {@code System::nanoTime})
     * @param random        randomness for election timeouts
     * @return the running node
     */
    public static RaftNodeRuntime start(NodeId self, ClusterConfiguration configuration, RaftOptions options,
                                        LogStore store, Transport transport, StateMachine stateMachine,
                                        LongSupplier nanoClock, RandomGenerator random) {
        return start(self, configuration, Map.of(), options, store, transport, stateMachine, null, nanoClock, random);
    }

    /**
     * Starts a member, knowing the peer addresses of the initial members (recorded in configuration entries so that
     * members added later learn them).
     *
     * @param self          this member
     * @param configuration the initial configuration (the log's latest configuration entry takes precedence)
     * @param addresses     peer address of each initial member
     * @param options       engine options
     * @param store         the member's log store, open; closed by {@link #close()}
     * @param transport     the member's transport, not yet started; closed by {@link #close()}
     * @param stateMachine  the application state machine
     * @param snapshotDirectory where snapshots are kept, or null to take none (the log then grows without bound)
     * @param nanoClock     monotonic clock in nanoseconds (e.g. {@code System::nanoTime})
     * @param random        randomness for election timeouts
     * @return the running node
     */
    public static RaftNodeRuntime start(NodeId self, ClusterConfiguration configuration,
                                        Map<NodeId, String> addresses, RaftOptions options, LogStore store,
                                        Transport transport, StateMachine stateMachine, Path snapshotDirectory,
                                        LongSupplier nanoClock, RandomGenerator random) {
        RaftNodeRuntime node = new RaftNodeRuntime(self, configuration, addresses, options, store, transport,
                stateMachine, snapshotDirectory, nanoClock, random);
        node.applyThread.start();
        // The transport first: the loop's first batch may already send or update peers. Messages that arrive before
        // the loop runs simply wait in its queue.
        transport.start(node::onMessage);
        node.loopThread.start();
        return node;
    }

    @Override
    public NodeId id() {
        return self;
    }

    @Override
    public CompletableFuture<byte[]> propose(byte[] command) {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        submit(new Propose(command.clone(), future), future);
        return future;
    }

    @Override
    public CompletableFuture<Long> readBarrier() {
        ReadRequest request = ReadRequest.forBarrier();
        submit(new Read(request, false), request.barrier());
        return request.barrier();
    }

    @Override
    public CompletableFuture<byte[]> query(byte[] query) {
        return query(query, ReadConsistency.LINEARIZABLE);
    }

    @Override
    public CompletableFuture<byte[]> query(byte[] query, ReadConsistency consistency) {
        ReadRequest request = ReadRequest.forQuery(query.clone());
        if (consistency == ReadConsistency.STALE) {
            // No coordination: answered by the apply thread from whatever it has applied.
            if (running) {
                applier.read(0, request);
            } else {
                request.fail(new NodeClosedException(self + " is closed"));
            }
            return request.answer();
        }
        submit(new Read(request, consistency == ReadConsistency.LEASE), request.answer());
        return request.answer();
    }

    @Override
    public CompletableFuture<Void> transferLeadership(NodeId target) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        submit(new Transfer(target, future), future);
        return future;
    }

    @Override
    public CompletableFuture<ClusterConfiguration> changeMembership(Map<NodeId, String> voters,
                                                                   Map<NodeId, String> learners) {
        CompletableFuture<ClusterConfiguration> future = new CompletableFuture<>();
        submit(new ChangeMembership(Map.copyOf(voters), Map.copyOf(learners), future), future);
        return future;
    }

    @Override
    public RaftStatus status() {
        return status;
    }

    @Override
    public void addLeadershipListener(LeadershipListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeLeadershipListener(LeadershipListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
        // Its own flag: after a fatal error the loop has stopped (running is false), yet the transport and the store
        // must still be closed.
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        loopThread.interrupt();
        joinQuietly(loopThread);
        transport.close();
        applier.stop();
        joinQuietly(applyThread);
        // After the apply thread, which starts snapshot writes: cancel the one in flight and wait for it, bounded.
        // Nothing half-written is ever published (see SnapshotFiles#write), so giving up on it is safe.
        applier.closeWriter(SNAPSHOT_WRITER_CLOSE_MILLIS);
        NodeClosedException closed = new NodeClosedException(self + " is closed");
        for (Event e : events) {
            failEvent(e, closed);
        }
        reads.values().forEach(r -> r.fail(closed));
        forwardedProposals.values().forEach(p -> p.future.completeExceptionally(closed));
        transfers.forEach(t -> t.future().completeExceptionally(closed));
        store.close();
    }

    private void onMessage(RaftMessage message) {
        if (!running || queuedMessages.incrementAndGet() > MAX_QUEUED_MESSAGES) {
            queuedMessages.decrementAndGet();
            return;
        }
        events.add(new Inbound(message));
    }

    private void submit(Event event, CompletableFuture<?> future) {
        if (!running) {
            future.completeExceptionally(new NodeClosedException(self + " is closed"));
            return;
        }
        if (queuedRequests.incrementAndGet() > options.maxPendingRequests()) {
            queuedRequests.decrementAndGet();
            future.completeExceptionally(new OverloadedException(self + ": " + options.maxPendingRequests()
                    + " requests are already queued (maxPendingRequests); retry later"));
            return;
        }
        events.add(event);
        if (!running) {
            // close() may have drained the queue before our add: make sure the caller is not left waiting.
            future.completeExceptionally(new NodeClosedException(self + " is closed"));
        }
    }

    private void loop() {
        long tickNanos = options.tickMillis() * 1_000_000L;
        long nextTick = nanoClock.getAsLong() + tickNanos;
        try {
            while (running) {
                long wait = nextTick - nanoClock.getAsLong();
                Event first = wait > 0 ? events.poll(wait, TimeUnit.NANOSECONDS) : events.poll();
                // Time first: after a stall, requests must not be judged by a clock that has not caught up (a lease
                // read would otherwise be served on a lease that has in fact expired).
                long now = nanoClock.getAsLong();
                if (now - nextTick >= 0) {
                    long ticks = (now - nextTick) / tickNanos + 1;
                    protocol.tick(ticks);
                    nextTick += ticks * tickNanos;
                }
                int handled = 0;
                for (Event e = first; e != null && handled < MAX_EVENTS_PER_ITERATION; e = events.poll()) {
                    handle(e);
                    handled++;
                }
                deadlines.expire(now);
                protocol.applied(applier.appliedIndex());
                processReady();
                settleTransfers(now);
                publishStatus();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // A failed disk write or a protocol invariant violation: stop rather than continue in an unknown state.
            running = false;
            System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.ERROR,
                    self + " stopped: " + e, e);
            NodeClosedException closed = new NodeClosedException(self + " stopped after a fatal error: " + e);
            // Nothing will expire deadlines any more: fail everything now rather than leave callers waiting.
            for (Event pending = events.poll(); pending != null; pending = events.poll()) {
                failEvent(pending, closed);
            }
            reads.values().forEach(r -> r.fail(closed));
            forwardedProposals.values().forEach(p -> p.future.completeExceptionally(closed));
            transfers.forEach(t -> t.future().completeExceptionally(closed));
            applier.stop();
        }
    }

    private void handle(Event event) {
        if (event instanceof Inbound in) {
            queuedMessages.decrementAndGet();
            protocol.step(in.message());
        } else if (event instanceof Propose p) {
            queuedRequests.decrementAndGet();
            long id = nextProposalId++;
            ProposalResult result = protocol.proposeOrForward(id, p.command());
            if (result.accepted()) {
                PendingProposal pending = new PendingProposal(result.term(), p.future());
                applier.expect(result.index(), pending);
                deadlines.track(nanoClock.getAsLong(), p.future(), "proposal at index " + result.index(),
                        () -> applier.forget(result.index(), pending));
            } else if (result.forwarded()) {
                ForwardedProposal forwarded = new ForwardedProposal(p.future());
                forwardedProposals.put(id, forwarded);
                applier.recentResults().awaitPlacement();
                deadlines.track(nanoClock.getAsLong(), p.future(), "proposal forwarded to leader " + result.leader(),
                        () -> forwarded.forget(id));
            } else {
                p.future().completeExceptionally(new NotLeaderException(self, result.leader()));
            }
        } else if (event instanceof Read r) {
            queuedRequests.decrementAndGet();
            long id = nextReadId++;
            reads.put(id, r.request());
            deadlines.track(nanoClock.getAsLong(), r.request().future(), "linearizable read", () -> reads.remove(id));
            if (r.lease()) {
                protocol.leaseRead(id);
            } else {
                protocol.readIndex(id);
            }
        } else if (event instanceof Transfer t) {
            queuedRequests.decrementAndGet();
            startTransfer(t);
        } else if (event instanceof ChangeMembership c) {
            queuedRequests.decrementAndGet();
            startMembershipChange(c);
        } else if (event instanceof SnapshotTaken t) {
            protocol.compactLog(t.index());
        }
    }

    private void startMembershipChange(ChangeMembership c) {
        ProposalResult result;
        try {
            result = protocol.proposeMembership(c.voters(), c.learners());
        } catch (IllegalStateException | IllegalArgumentException e) {
            c.future().completeExceptionally(e);
            return;
        }
        if (!result.accepted()) {
            c.future().completeExceptionally(new NotLeaderException(self, result.leader()));
            return;
        }
        applier.expectMembership(new Applier.PendingMembership(result.index(), result.term(), c.future()));
        deadlines.track(nanoClock.getAsLong(), c.future(), "membership change at index " + result.index(), () -> { });
    }

    private void startTransfer(Transfer t) {
        boolean started;
        try {
            started = protocol.transferLeadership(t.target());
        } catch (IllegalArgumentException e) {
            t.future().completeExceptionally(e);
            return;
        }
        if (!started) {
            t.future().completeExceptionally(new NotLeaderException(self, protocol.leader()));
            return;
        }
        // The protocol gives up after the shortest election timeout; allow the election itself on top of that.
        long deadline = nanoClock.getAsLong()
                + (options.electionTimeoutMinMillis() + options.electionTimeoutMaxMillis()) * 1_000_000L;
        transfers.add(new PendingTransfer(t.target(), t.future(), deadline));
    }

    private void settleTransfers(long now) {
        transfers.removeIf(t -> {
            if (t.target().equals(protocol.leader())) {
                t.future().complete(null);
                return true;
            }
            if (now - t.deadlineNanos() >= 0) {
                t.future().completeExceptionally(new RaftTimeoutException("leadership transfer to " + t.target()
                        + " did not complete in time; the leader is " + protocol.leader()));
                return true;
            }
            return false;
        });
    }

    /** Carries out Ready batches in the documented order until the protocol has nothing more to say. */
    private void processReady() {
        Ready ready = protocol.ready();
        while (!ready.isEmpty()) {
            if (ready.peers() != null) {
                Map<NodeId, String> peers = new HashMap<>(ready.peers());
                peers.remove(self);
                transport.updatePeers(peers);
            }
            ready.sendNow().forEach(transport::send);
            if (ready.needsWrite()) {
                store.write(ready.state(), ready.entriesToPersist());
                List<LogEntry> written = ready.entriesToPersist();
                if (!written.isEmpty()) {
                    LogEntry last = written.get(written.size() - 1);
                    protocol.persisted(last.index(), last.term());
                }
            }
            ready.snapshotChunks().forEach(this::receiveSnapshotChunk);
            if (ready.compactThrough() > store.firstIndex() - 1) {
                store.compactPrefix(Math.min(ready.compactThrough(), store.lastIndex()));
            }
            ready.sendAfterPersist().forEach(transport::send);
            ready.forwarded().forEach(this::settleForwarded);
            if (!ready.committed().isEmpty()) {
                applier.apply(ready.committed());
            }
            for (Ready.ReadReady r : ready.readsReady()) {
                ReadRequest request = reads.remove(r.requestId());
                if (request != null) {
                    applier.read(r.readIndex(), request);
                }
            }
            for (Ready.ReadFailed r : ready.readsFailed()) {
                ReadRequest request = reads.remove(r.requestId());
                if (request != null) {
                    request.fail(new NotLeaderException(self, r.leader()));
                }
            }
            ready = protocol.ready();
        }
    }

    /**
     * A proposal forwarded to the leader: its future, and once the leader placed it, the pending entry the applier
     * holds (so that its deadline can withdraw it).
     */
    private final class ForwardedProposal {
        final CompletableFuture<byte[]> future;
        long index;
        PendingProposal pending;

        ForwardedProposal(CompletableFuture<byte[]> future) {
            this.future = future;
        }

        void forget(long id) {
            if (forwardedProposals.remove(id) != null) {
                applier.recentResults().placementSettled(); // never placed: stop keeping results for it
            }
            if (pending != null) {
                applier.forget(index, pending);
            }
        }
    }

    /** Forwarded proposals the leader placed wait for their entries here; failed ones fail (see Ready.Forwarded). */
    private void settleForwarded(Ready.Forwarded f) {
        for (int i = 0; i < f.proposalIds().size(); i++) {
            ForwardedProposal p = forwardedProposals.remove(f.proposalIds().get(i));
            if (p == null) {
                continue; // its deadline passed
            }
            if (!f.placed()) {
                applier.recentResults().placementSettled();
                p.future.completeExceptionally(f.outcomeUnknown()
                        ? new RaftTimeoutException("the proposal was forwarded to the leader, which did not answer"
                                + " where it put it; its outcome is unknown")
                        : new NotLeaderException(self, f.leader()));
                continue;
            }
            p.index = f.firstIndex() + i;
            p.pending = new PendingProposal(f.term(), p.future);
            applier.expectForwarded(p.index, p.pending);
        }
    }

    /** Writes a chunk the leader sent; the last one is verified and installed (Raft §7). */
    private void receiveSnapshotChunk(Ready.SnapshotChunk chunk) {
        if (snapshots == null) {
            System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.ERROR,
                    self + " has no snapshot directory and cannot install the leader's snapshot");
            protocol.snapshotInstallFailed();
            return;
        }
        snapshots.receiveChunk(chunk.offset(), chunk.data());
        if (!chunk.last()) {
            return;
        }
        SnapshotFormat.Header h;
        try {
            h = snapshots.finishReceiving();
        } catch (io.flotilla.raft.api.spi.CorruptLogException e) {
            System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.WARNING,
                    self + " received a damaged snapshot, asking again: " + e.getMessage());
            protocol.snapshotInstallFailed();
            return;
        }
        // Logged: an operator sees a member caught up by a snapshot instead of the log (and what it cost).
        System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.INFO, self
                + ": installing the leader's snapshot at index " + h.index() + " (" + h.size() / 1024 + " KiB)");
        // Durable snapshot first, then the log, then the state machine: a crash in between recovers either way.
        store.reset(h.index(), h.term());
        applier.restore(h);
        protocol.snapshotInstalled(h.index(), h.term(), h.membership());
    }

    private void publishStatus() {
        RaftStatus before = status;
        RaftStatus now = new RaftStatus(self, protocol.role(), protocol.term(), Optional.ofNullable(protocol.leader()),
                protocol.commitIndex(), applier.appliedIndex(), protocol.lastIndex(), protocol.configuration());
        status = now;
        if (before != null && before.role() == now.role() && before.term() == now.term()
                && before.leader().equals(now.leader())) {
            return;
        }
        for (LeadershipListener l : listeners) {
            try {
                l.leadershipChanged(now);
            } catch (RuntimeException e) {
                // A listener's bug must not stop the member; it stays registered and hears the next change.
                System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.WARNING,
                        self + ": a leadership listener failed: " + e, e);
            }
        }
    }

    private static void failEvent(Event e, NodeClosedException closed) {
        if (e instanceof Propose p) {
            p.future().completeExceptionally(closed);
        } else if (e instanceof Read r) {
            r.request().fail(closed);
        } else if (e instanceof Transfer t) {
            t.future().completeExceptionally(closed);
        } else if (e instanceof ChangeMembership c) {
            c.future().completeExceptionally(closed);
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
