package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.LeadershipListener;
import io.flotilla.raft.api.RaftMetrics;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeClosedException;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.OverloadedException;
import io.flotilla.raft.api.RaftNode;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftStatus;
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
import io.flotilla.raft.core.protocol.ReadyExecutor;
import java.nio.file.Path;
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
 * through a {@link ReadyExecutor} against the {@link Transport}; a {@link Persister} thread makes its writes durable
 * in order, so the loop never waits for the disk; an {@link Applier} thread drives the state machine; a
 * {@link SnapshotWriter} thread, created at the first snapshot of a state machine that offers views, writes snapshots
 * while applying goes on.
 *
 * <p><b>Group commit.</b> While the disk thread makes one write durable, the writes of the next loop iterations queue
 * up; it merges them all into its next write, so they share one fsync. Under load, batches grow by themselves.
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

    private sealed interface Event permits Inbound, Propose, Read, Transfer, ChangeMembership, SnapshotTaken, Wake,
            Written, SnapshotReceived, SnapshotDamaged, DiskFailed {
    }

    private record Written(List<ReadyExecutor.Write> writes) implements Event {
    }

    private record SnapshotReceived(SnapshotFormat.Header header) implements Event {
    }

    private record SnapshotDamaged(io.flotilla.raft.api.spi.CorruptLogException error) implements Event {
    }

    private record DiskFailed(RuntimeException error) implements Event {
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

    private record Wake() implements Event {
    }

    private static final Wake WAKE = new Wake();

    private final NodeId self;
    private final RaftOptions options;
    private final LogStore store;
    private final Transport transport;
    private final RaftProtocol protocol;
    private final Applier applier;
    /** Runs queries off the apply thread if the state machine allows it, else null. */
    private final Readers readers;
    private final Persister persister;
    private final ReadyExecutor executor;
    private final SnapshotFiles snapshots;
    private final LongSupplier nanoClock;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedRequests = new AtomicInteger();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final Deadlines deadlines;
    private final Map<Long, ReadRequest> reads = new HashMap<>();
    private final LeadershipTransfers transfers;
    private final Thread loopThread;
    private final Thread applyThread;
    private final Thread diskThread;
    private long nextReadId;
    private long nextProposalId;
    /** Proposals forwarded to the leader, until it places them (then the applier has them) or they fail. */
    private final ForwardedProposals forwarded;
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile RaftStatus status;
    private final CopyOnWriteArraySet<LeadershipListener> listeners = new CopyOnWriteArraySet<>();

    private RaftNodeRuntime(NodeId self, ClusterConfiguration configuration, Map<NodeId, String> addresses,
                            RaftOptions options, LogStore store, Transport transport, StateMachine stateMachine,
                            Path snapshotDirectory, LongSupplier nanoClock, RandomGenerator random,
                            RaftMetrics metrics) {
        this.self = self;
        this.options = options;
        this.store = store;
        this.transport = transport;
        this.nanoClock = nanoClock;
        this.deadlines = new Deadlines(options.requestTimeoutMillis());
        this.transfers = new LeadershipTransfers(self, options);
        this.snapshots = snapshotDirectory == null ? null : SnapshotFiles.open(snapshotDirectory);
        // A checkpoint newer than the newest snapshot is where the log starts: recovery starts there too.
        SnapshotFormat.Header snapshot = snapshots == null ? null : snapshots.newest();
        Applier.Start start = Recovery.recover(self, store, stateMachine, snapshots, snapshot,
                new MembershipCodec.Membership(configuration, addresses));
        this.protocol = new RaftProtocol(self, configuration, addresses, options, StableLog.over(store),
                store.state(), snapshot, start.index(), snapshots == null ? SnapshotSource.NONE : snapshots, random);
        this.readers = stateMachine.concurrentQueries()
                ? new Readers(self, stateMachine, READER_THREADS, options.maxPendingRequests(), start.index()) : null;
        this.applier = new Applier(self, stateMachine, start, index -> events.add(WAKE), snapshots,
                options.snapshotThresholdEntries(), options.snapshotSizeRatio(),
                index -> events.add(new SnapshotTaken(index)), readers);
        this.forwarded = new ForwardedProposals(self, applier);
        this.persister = new Persister(self, store, transport, snapshots, metrics, new Persister.Listener() {
            @Override
            public void written(List<ReadyExecutor.Write> writes) {
                events.add(new Written(writes));
            }

            @Override
            public void snapshotReceived(SnapshotFormat.Header header) {
                events.add(new SnapshotReceived(header));
            }

            @Override
            public void snapshotDamaged(io.flotilla.raft.api.spi.CorruptLogException e) {
                events.add(new SnapshotDamaged(e));
            }

            @Override
            public void failed(RuntimeException e) {
                events.add(new DiskFailed(e));
            }
        }, nanoClock);
        this.executor = new ReadyExecutor(protocol, new Host());
        this.loopThread = new Thread(this::loop, "flotilla-raft-" + self);
        this.applyThread = new Thread(applier, "flotilla-apply-" + self);
        this.diskThread = new Thread(persister, "flotilla-disk-" + self);
        publishStatus();
    }

    /** Reader threads of a state machine whose queries may run concurrently: at least two, one per core. */
    static final int READER_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** How long close() waits for the queries running on the reader threads. */
    static final long READERS_CLOSE_MILLIS = 5_000;
    /** How long close() waits for the snapshot writer thread once its write is cancelled. */
    static final long SNAPSHOT_WRITER_CLOSE_MILLIS = 5_000;

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
        return start(self, configuration, addresses, options, store, transport, stateMachine, snapshotDirectory,
                nanoClock, random, RaftMetrics.NONE);
    }

    /**
     * Starts a member that reports its disk writes to {@code metrics}; otherwise as
     * {@link #start(NodeId, ClusterConfiguration, Map, RaftOptions, LogStore, Transport, StateMachine, Path,
     * LongSupplier, RandomGenerator)}.
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
     * @param metrics       where durable log writes are reported
     * @return the running node
     */
    public static RaftNodeRuntime start(NodeId self, ClusterConfiguration configuration,
                                        Map<NodeId, String> addresses, RaftOptions options, LogStore store,
                                        Transport transport, StateMachine stateMachine, Path snapshotDirectory,
                                        LongSupplier nanoClock, RandomGenerator random, RaftMetrics metrics) {
        RaftNodeRuntime node = new RaftNodeRuntime(self, configuration, addresses, options, store, transport,
                stateMachine, snapshotDirectory, nanoClock, random, metrics);
        node.applyThread.start();
        node.diskThread.start();
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
            // No coordination: answered from whatever this member has applied, by a reader thread if the state
            // machine allows it (a serializable read never touches the apply thread then), else by the apply thread.
            if (running && readers != null) {
                readers.run(request);
            } else if (running) {
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
        // Writes not yet started are dropped: nothing acknowledged them. The one under way finishes before the store
        // closes.
        persister.stop();
        joinQuietly(diskThread);
        transport.close();
        applier.stop();
        joinQuietly(applyThread);
        if (readers != null) {
            // After the apply thread, which hands reads to them; before the caller may close the state machine.
            readers.close(READERS_CLOSE_MILLIS);
        }
        // After the apply thread, which starts snapshot writes: cancel the one in flight and wait for it, bounded.
        // Nothing half-written is ever published (see SnapshotFiles#write), so giving up on it is safe.
        applier.closeWriter(SNAPSHOT_WRITER_CLOSE_MILLIS);
        NodeClosedException closed = new NodeClosedException(self + " is closed");
        for (Event e : events) {
            failEvent(e, closed);
        }
        reads.values().forEach(r -> r.fail(closed));
        forwarded.failAll(closed);
        transfers.failAll(closed);
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
        long stallNanos = options.electionTimeoutMinMillis() * 1_000_000L;
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
                executor.drain();
                if (persister.stalled(nanoClock.getAsLong(), stallNanos)) {
                    // The disk hangs: stop heartbeating until it answers, so the others can elect a leader that can
                    // still apply (see Persister). Nothing here is lost: events queue meanwhile, bounded.
                    persister.awaitProgress();
                }
                transfers.settle(protocol, now);
                publishStatus();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Persister.StoppedException e) {
            if (running) {
                stopAfterFatalError(e);
            }
        } catch (RuntimeException | Error e) {
            // A failed disk write or a protocol invariant violation: stop rather than continue in an unknown state.
            stopAfterFatalError(e);
        }
    }

    private void stopAfterFatalError(Throwable e) {
        running = false;
        System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.ERROR, self + " stopped: " + e, e);
        NodeClosedException closed = new NodeClosedException(self + " stopped after a fatal error: " + e);
        // Nothing will expire deadlines any more: fail everything now rather than leave callers waiting.
        for (Event pending = events.poll(); pending != null; pending = events.poll()) {
            failEvent(pending, closed);
        }
        reads.values().forEach(r -> r.fail(closed));
        forwarded.failAll(closed);
        transfers.failAll(closed);
        applier.stop();
        persister.stop();
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
                deadlines.track(nanoClock.getAsLong(), p.future(), "proposal forwarded to leader " + result.leader(),
                        forwarded.track(id, p.future()));
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
            transfers.start(protocol, t.target(), t.future(), nanoClock.getAsLong());
        } else if (event instanceof ChangeMembership c) {
            queuedRequests.decrementAndGet();
            startMembershipChange(c);
        } else if (event instanceof SnapshotTaken t) {
            protocol.compactLog(t.index());
        } else if (event instanceof Written w) {
            w.writes().forEach(executor::written);
        } else if (event instanceof SnapshotReceived r) {
            installSnapshot(r.header());
        } else if (event instanceof SnapshotDamaged d) {
            System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.WARNING,
                    self + " received a damaged snapshot, asking again: " + d.error().getMessage());
            protocol.snapshotInstallFailed();
        } else if (event instanceof DiskFailed f) {
            throw f.error();
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

    /** The runtime's side of the {@link ReadyExecutor}: network now, disk on the {@link Persister}, the rest here. */
    private final class Host implements ReadyExecutor.Host {

        @Override
        public void peersChanged(Map<NodeId, String> peers) {
            Map<NodeId, String> others = new HashMap<>(peers);
            others.remove(self);
            transport.updatePeers(others);
        }

        @Override
        public void send(RaftMessage message) {
            transport.send(message);
        }

        @Override
        public void persist(ReadyExecutor.Write write) {
            if (!write.chunks().isEmpty() && snapshots == null) {
                System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.ERROR,
                        self + " has no snapshot directory and cannot install the leader's snapshot");
                protocol.snapshotInstallFailed();
                write = new ReadyExecutor.Write(write.state(), write.entries(), List.of(), write.after());
            }
            persister.submit(write);
        }

        @Override
        public void compact(long throughIndex) {
            persister.runExclusive(() -> {
                if (throughIndex > store.firstIndex() - 1) {
                    store.compactPrefix(Math.min(throughIndex, store.lastIndex()));
                }
            });
        }

        @Override
        public void settle(Ready.Forwarded f) {
            forwarded.settle(f);
        }

        @Override
        public void apply(List<LogEntry> committed) {
            applier.apply(committed);
        }

        @Override
        public void readReady(Ready.ReadReady r) {
            ReadRequest request = reads.remove(r.requestId());
            if (request == null) {
                return;
            }
            if (readers != null && request.query() != null && r.readIndex() <= readers.published()) {
                readers.run(request); // already covered: the apply thread need not see this read at all
            } else {
                applier.read(r.readIndex(), request);
            }
        }

        @Override
        public void readFailed(Ready.ReadFailed r) {
            ReadRequest request = reads.remove(r.requestId());
            if (request != null) {
                request.fail(new NotLeaderException(self, r.leader()));
            }
        }
    }

    /** Installs a snapshot the disk thread received and verified (Raft §7). */
    private void installSnapshot(SnapshotFormat.Header h) {
        // Logged: an operator sees a member caught up by a snapshot instead of the log (and what it cost).
        System.getLogger(RaftNodeRuntime.class.getName()).log(System.Logger.Level.INFO, self
                + ": installing the leader's snapshot at index " + h.index() + " (" + h.size() / 1024 + " KiB)");
        // Durable snapshot first, then the log, then the state machine: a crash in between recovers either way. The
        // reset runs on the disk thread, after the writes queued before it, while this loop does not read the log.
        persister.runExclusive(() -> store.reset(h.index(), h.term()));
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
