package io.flotilla.kv.service.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.command.StoreStats;
import io.flotilla.kv.service.internal.proto.etcd.AlarmMember;
import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.service.mvcc.KvStateMachine;
import io.flotilla.kv.service.mvcc.MvccStore;
import io.flotilla.kv.service.watch.WatchHub;
import io.flotilla.raft.api.LeadershipListener;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.RaftNode;
import io.flotilla.raft.api.RaftMetrics;
import io.flotilla.raft.api.RaftNodeConfig;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.RaftStatus;
import io.flotilla.raft.api.StateMachine;
import io.flotilla.raft.api.ReadConsistency;
import io.flotilla.raft.api.spi.Plugins;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the KV service: its Raft node, its state machine, and the routing of requests. Writes are proposed
 * to the engine on any member — a follower's engine forwards them to the leader inside Raft — and complete once
 * committed and applied on this member.
 * Linearizable reads go through the engine's read barrier, and to the leader if this member cannot confirm them;
 * serializable reads are answered from the local state.
 *
 * <p>It also does etcd's member-side housekeeping: the backend quota (writes that would take the backend past
 * {@link BackendSettings#effectiveQuotaBytes()} raise a NOSPACE alarm through Raft and fail, as does a backend that
 * reports a full disk), auto-compaction on the leader ({@link AutoCompaction}), and local maintenance
 * (defragmentation, waiting for a physical compaction).
 *
 * <p>Futures fail with {@link io.flotilla.kv.service.mvcc.KvException}s that carry etcd's codes and messages
 * ({@link KvError}, {@link NodeError}); the API layer turns them into gRPC statuses. Nothing here knows gRPC: reads
 * handed to the leader go through a {@link ReadForwarder} the API layer provides.
 */
public final class KvNode implements AutoCloseable {

    /** Engine name: Flotilla's own. */
    public static final String ENGINE = "flotilla";
    /** The MVCC backend's directory inside the member's data directory. */
    public static final String BACKEND_DIRECTORY = "kv";
    /** etcd's {@code MaxQuotaBytes}: larger quotas work but are warned about (and not recommended). */
    public static final long MAX_RECOMMENDED_QUOTA_BYTES = 8L << 30;
    /** How often the member looks at its backend's health (a full disk raises a NOSPACE alarm). */
    static final long BACKEND_CHECK_MILLIS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(KvNode.class);

    private final RaftNode raft;
    private final KvStateMachine stateMachine;
    private final WatchHub watches;
    private final Leases leases;
    private final ClusterMembers members;
    private final NodeId self;
    private final long memberId;
    private final long requestTimeoutMillis;
    private final int maxRequestBytes;
    private final ReadForwarder forwarder;
    private final ScheduledExecutorService timer;
    /** Runs member-local maintenance that blocks (defragmentation), one task at a time, off the network threads. */
    private final ExecutorService maintenance;
    private final long quotaBytes;
    /** etcd's auto-compaction policy, or null when it is off; used on the timer thread only. */
    private final AutoCompaction autoCompaction;
    private final BackendSettings backendSettings;
    /** The quota check and the NOSPACE alarm for this member. */
    private final SpaceGuard space;
    private final AtomicLong proposalsPending = new AtomicLong();
    private final AtomicLong proposalsFailed = new AtomicLong();
    /** Requests waiting for a leader to be elected; completed when the engine reports one (no polling). */
    private final Set<CompletableFuture<NodeId>> waitingForLeader = ConcurrentHashMap.newKeySet();

    private KvNode(RaftNode raft, KvStateMachine stateMachine, WatchHub watches, ServerSettings settings,
                   ReadForwarder forwarder) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.watches = watches;
        this.members = new ClusterMembers(settings.members());
        this.self = settings.self();
        this.memberId = ClusterMembers.memberId(self);
        this.requestTimeoutMillis = settings.raftOptions().requestTimeoutMillis();
        this.maxRequestBytes = settings.maxRequestBytes();
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("flotilla-kv-timer-" + self));
        this.maintenance = Executors.newSingleThreadExecutor(daemon("flotilla-kv-maintenance-" + self));
        this.backendSettings = settings.backend();
        this.quotaBytes = backendSettings.effectiveQuotaBytes();
        this.space = new SpaceGuard(self, memberId, stateMachine, quotaBytes, this::write);
        this.autoCompaction = AutoCompaction.of(backendSettings.autoCompactionMode(),
                backendSettings.autoCompactionRetention());
        this.forwarder = forwarder;
        watches.headers(this::header);
        this.leases = new Leases(this, stateMachine.leases(), settings.raftOptions().electionTimeoutMaxMillis(),
                memberId, Leases.DEFAULT_CHECKPOINT_INTERVAL_MILLIS);
        raft.addLeadershipListener(this::leadershipChanged);
        leases.leadershipChanged(raft.status().role() == RaftRole.LEADER);
        if (quotaBytes == Long.MAX_VALUE) {
            LOG.warn("member {}: the backend quota is disabled (quotaBackendBytes < 0)", self);
        } else if (quotaBytes > MAX_RECOMMENDED_QUOTA_BYTES) {
            LOG.warn("member {}: the backend quota ({} bytes) exceeds the maximum recommended ({} bytes, as etcd)",
                    self, quotaBytes, MAX_RECOMMENDED_QUOTA_BYTES);
        }
        timer.scheduleWithFixedDelay(space::checkBackend, BACKEND_CHECK_MILLIS, BACKEND_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(leases::revokeExpired, Leases.EXPIRY_CHECK_MILLIS, Leases.EXPIRY_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(leases::checkpointAll, leases.checkpointIntervalMillis,
                leases.checkpointIntervalMillis, TimeUnit.MILLISECONDS);
        if (autoCompaction != null) {
            LOG.info("member {}: auto-compaction mode {}, retention {} (revision sampled every {} ms; the leader "
                    + "compacts)",
                    self, backendSettings.autoCompactionMode(), backendSettings.autoCompactionRetention(),
                    autoCompaction.sampleEveryMillis());
            timer.scheduleAtFixedRate(this::sampleAutoCompaction, 0, autoCompaction.sampleEveryMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Starts a member: its state machine and, through {@link Plugins#engine(String)}, its Raft node with the
     * configured log store and transport.
     *
     * @param settings  the member's settings
     * @param forwarder hands reads to the leader; closed by {@link #close()}
     * @return the running member
     * @throws io.flotilla.raft.api.UnknownPluginException if the log store or transport is not available
     */
    public static KvNode start(ServerSettings settings, ReadForwarder forwarder) {
        return start(settings, forwarder, RaftMetrics.NONE);
    }

    /**
     * Starts a member whose engine reports its disk writes to {@code metrics}; otherwise as
     * {@link #start(ServerSettings, ReadForwarder)}.
     *
     * @param settings  the member's settings
     * @param forwarder hands reads to the leader; closed by {@link #close()}
     * @param metrics   where the engine reports its log writes
     * @return the running member
     * @throws io.flotilla.raft.api.UnknownPluginException if the log store or transport is not available
     */
    public static KvNode start(ServerSettings settings, ReadForwarder forwarder, RaftMetrics metrics) {
        KvStateMachine stateMachine = new KvStateMachine(openStore(settings));
        // Before the engine starts: entries it applies on start (a replay after a restart) are published too.
        WatchHub watches = new WatchHub(stateMachine.store(), settings.self().value(), settings.maxRequestBytes(),
                settings.watchProgressNotifyInterval(), NodeError.STOPPED::exception);
        Map<NodeId, String> peers = settings.members().stream()
                .collect(Collectors.toMap(MemberInfo::id, m -> m.peerAddress().toString()));
        RaftNodeConfig config = new RaftNodeConfig(settings.self(), peers, settings.dataDirectory(),
                settings.raftOptions(), settings.logStoreOptions(), settings.transportOptions(), metrics);
        RaftNode raft;
        try {
            raft = Plugins.engine(ENGINE).start(config, stateMachine);
        } catch (RuntimeException e) {
            watches.close();
            stateMachine.close();
            forwarder.close();
            throw e;
        }
        return new KvNode(raft, stateMachine, watches, settings, forwarder);
    }

    /**
     * Opens the member's MVCC store in {@code <data dir>/kv} on the configured backend.
     *
     * @param settings the member's settings
     * @return the open store
     * @throws IllegalArgumentException for an unknown backend (listing the known ones) or a bad backend option
     * @throws io.flotilla.kv.backend.BackendException if the backend cannot be opened (corrupt files are named)
     */
    public static MvccStore openStore(ServerSettings settings) {
        BackendSettings b = settings.backend();
        Backend backend = Backends.provider(b.name()).open(new BackendContext(
                settings.dataDirectory().resolve(BACKEND_DIRECTORY), MvccStore.tables(), b.options()));
        try {
            return new MvccStore(backend);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /**
     * Returns the largest gRPC message a member accepts: the request limit plus etcd's allowance for gRPC framing and
     * responses (512 KiB), so that requests a little over the limit get etcd's "request is too large" instead of a
     * transport error.
     *
     * @param maxRequestBytes the request limit
     * @return the message limit
     */
    public static int maxInboundMessageBytes(int maxRequestBytes) {
        return (int) Math.min(Integer.MAX_VALUE, (long) maxRequestBytes + 512 * 1024);
    }

    /** Returns this member's Raft id. */
    public NodeId self() {
        return self;
    }

    /** {@return the member's leases} */
    public Leases leases() {
        return leases;
    }

    /** {@return whether this member leads} */
    boolean isLeader() {
        return raft.status().role() == RaftRole.LEADER;
    }

    /** {@return the leader's client address, once a leader is known (up to the request timeout)} */
    CompletableFuture<HostPort> leaderAddress() {
        return leader().thenApply(this::clientAddress);
    }

    ReadForwarder forwarder() {
        return forwarder;
    }

    long requestTimeoutMillis() {
        return requestTimeoutMillis;
    }

    MvccStore store() {
        return stateMachine.store();
    }

    /** {@return the member's watchers} */
    public WatchHub watches() {
        return watches;
    }

    /** Returns the configured members. */
    public ClusterMembers members() {
        return members;
    }

    /** Returns what the Raft node currently knows. */
    public RaftStatus status() {
        return raft.status();
    }

    /** Returns the revision of the local state machine. */
    public long revision() {
        return stateMachine.revision();
    }

    /**
     * Returns a response header for this member.
     *
     * @param revision the store revision the response reflects
     * @return the header
     */
    public ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder()
                .setClusterId(members.clusterId())
                .setMemberId(memberId)
                .setRevision(revision)
                .setRaftTerm(raft.status().term())
                .build();
    }

    /**
     * Replicates a write and returns its result once it is committed and applied.
     *
     * @param command the write
     * @return the result; fails for refused requests (etcd's error), no leader, timeouts
     */
    public CompletableFuture<CommandResult> write(Command command) {
        if (command.getSerializedSize() > maxRequestBytes) {
            return CompletableFuture.failedFuture(KvError.REQUEST_TOO_LARGE.exception());
        }
        // On a follower the engine forwards the write to the leader inside Raft and completes it when this member
        // applies it; only while no leader is known does the write wait here, up to the request timeout.
        return leader().thenCompose(leader -> propose(command)).thenApply(KvNode::successOrThrow);
    }

    /**
     * etcd's quota check for a write that costs quota (a put, a transaction that puts, an append), made before the
     * write is proposed; see {@link SpaceGuard#refusal}.
     *
     * @param cost the write's cost, as {@link io.flotilla.kv.service.mvcc.Quota} counts it; 0 never fails
     * @param <T>  the write's result type
     * @return null if the write may go on; else a future that fails with NO_SPACE once the alarm is proposed
     */
    public <T> CompletableFuture<T> quotaRefusal(long cost) {
        return space.refusal(cost);
    }

    /**
     * One tick of auto-compaction (on the timer): gives the policy the time, the revision and whether this member
     * leads; when it says so, proposes an ordinary Compact, as etcd's compactor does.
     */
    private void sampleAutoCompaction() {
        try {
            boolean leader = raft.status().role() == RaftRole.LEADER;
            OptionalLong target = autoCompaction.sample(TimeUnit.NANOSECONDS.toMillis(System.nanoTime()),
                    stateMachine.revision(), stateMachine.store().compactRevision(), leader);
            if (target.isEmpty()) {
                return;
            }
            long revision = target.getAsLong();
            String what = "auto " + backendSettings.autoCompactionMode() + " compaction at revision " + revision
                    + " (retention " + backendSettings.autoCompactionRetention() + ")";
            LOG.info("member {}: starting {}", self, what);
            long started = System.nanoTime();
            Command compact = Command.newBuilder()
                    .setCompaction(CompactionRequest.newBuilder().setRevision(revision)).build();
            proposeLocally(compact).thenApply(KvNode::successOrThrow).whenComplete((result, failure) -> {
                String description = failure == null ? null : Failures.describe(failure);
                if (failure == null || KvError.COMPACTED.message().equals(description)) {
                    LOG.info("member {}: completed {} in {} ms", self, what,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                    return;
                }
                LOG.warn("member {}: failed {}: {}; retrying at the next sample", self, what, description);
                try {
                    timer.execute(autoCompaction::failed);
                } catch (RejectedExecutionException closing) {
                    // Shutting down.
                }
            });
        } catch (RuntimeException e) {
            // Never let the periodic task die (the executor would stop running it).
            LOG.warn("member {}: auto-compaction sample failed: {}", self, e.toString());
        }
    }

    /** {@return the quota in bytes that applies, {@code Long.MAX_VALUE} when the quota is off} */
    public long quotaBytes() {
        return quotaBytes;
    }

    /** {@return the active alarms of every member, as this member has applied them} */
    public List<AlarmMember> alarms() {
        return stateMachine.alarms();
    }

    /**
     * Returns this member's store figures, read without the apply thread, so they are there even while the backend
     * refuses writes (a full disk).
     *
     * @return revision, compaction revision, sizes
     */
    public StoreStats localStats() {
        MvccStore store = stateMachine.store();
        return StoreStats.newBuilder()
                .setRevision(stateMachine.revision())
                .setCompactRevision(store.compactRevision())
                .setSizeBytes(store.sizeBytes())
                .setSizeInUseBytes(store.sizeInUseBytes())
                .build();
    }

    /**
     * Defragments this member's backend (local, as etcd's Defragment), on the maintenance thread, one at a time.
     *
     * @return completes when done; fails with the backend's error
     */
    public CompletableFuture<Void> defragment() {
        try {
            return CompletableFuture.runAsync(() -> {
                MvccStore store = stateMachine.store();
                long before = store.sizeBytes();
                long started = System.nanoTime();
                LOG.info("member {}: starting defragment ({} bytes on disk, {} in use)", self, before,
                        store.sizeInUseBytes());
                stateMachine.defragment();
                LOG.info("member {}: finished defragment in {} ms: {} -> {} bytes on disk", self,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), before, store.sizeBytes());
            }, maintenance);
        } catch (RejectedExecutionException closing) {
            return CompletableFuture.failedFuture(NodeError.STOPPED.exception());
        }
    }

    /**
     * Completes once the history below a compaction revision is physically removed from this member's backend
     * (etcd's {@code physical} compaction).
     *
     * @param compactRevision the compaction revision
     * @return the future
     */
    public CompletableFuture<Void> awaitPhysicalCompaction(long compactRevision) {
        return stateMachine.whenCompacted(compactRevision);
    }

    /**
     * Answers a read from this member's own state, never forwarded (for member-specific answers such as HashKV).
     *
     * @param query the read
     * @return the answer; fails for refused requests (etcd's error)
     */
    public CompletableFuture<QueryResult> readLocal(Query query) {
        return queryRaft(query, ReadConsistency.STALE).thenApply(KvNode::successOrThrow);
    }

    private CompletableFuture<CommandResult> propose(Command command) {
        proposalsPending.incrementAndGet();
        return raft.propose(command.toByteArray())
                .handle((bytes, failure) -> {
                    proposalsPending.decrementAndGet();
                    if (failure != null) {
                        proposalsFailed.incrementAndGet(); // etcd's proposals_failed: not committed in time, refused
                        throw Failures.rethrowable(failure);
                    }
                    return parse(bytes, CommandResult::parseFrom);
                });
    }

    /** {@return how many of this member's proposals wait to be committed and applied (etcd's proposals_pending)} */
    public long proposalsPending() {
        return proposalsPending.get();
    }

    /** {@return how many of this member's proposals failed: timed out, refused, dropped (etcd's proposals_failed)} */
    public long proposalsFailed() {
        return proposalsFailed.get();
    }

    /**
     * Opens a consistent view of this member's store for a backup ({@code Maintenance.Snapshot}), from any thread.
     *
     * @return the view; close it
     */
    public StateMachine.SnapshotView openBackup() {
        return stateMachine.openBackupView();
    }

    /**
     * Tells {@code observer} how long each commit to the MVCC backend took.
     *
     * @param observer called on the apply thread with a duration in nanoseconds; must not block
     */
    public void observeBackendCommits(LongConsumer observer) {
        stateMachine.store().observeCommits(observer);
    }

    /**
     * Tells {@code listener} about every change of role, term or leader of this member's Raft node.
     *
     * @param listener called on the engine's thread; must not block
     */
    public void addLeadershipListener(LeadershipListener listener) {
        raft.addLeadershipListener(listener);
    }

    /**
     * Hands leadership to another voter (etcd's MoveLeader); this member must lead.
     *
     * @param target the voter to lead
     * @return completes once {@code target} leads; fails if this member does not lead, the target is not a voter, or
     *         the transfer does not finish within an election timeout
     */
    public CompletableFuture<Void> transferLeadership(NodeId target) {
        return raft.transferLeadership(target);
    }

    /**
     * Proposes a write on this member, which must lead (the auto-compactor's, which only the leader runs).
     *
     * @param command the write
     * @return the result, including refusals; fails with {@link NodeError#NOT_LEADER} if this member does not lead
     */
    public CompletableFuture<CommandResult> proposeLocally(Command command) {
        if (raft.status().role() != RaftRole.LEADER) {
            return CompletableFuture.failedFuture(NodeError.NOT_LEADER.exception());
        }
        return propose(command);
    }

    /**
     * Answers a read.
     *
     * @param query        the read
     * @param serializable true to answer from local state without confirming it is current
     * @return the answer; fails for refused requests (etcd's error), no leader, timeouts
     */
    public CompletableFuture<QueryResult> read(Query query, boolean serializable) {
        CompletableFuture<QueryResult> answer;
        Optional<NodeId> otherLeader = knownLeader(raft.status()).filter(leader -> !leader.equals(self));
        if (stateMachine.backendFault() != null && otherLeader.isPresent()) {
            // This member's apply thread waits for its backend (a full disk): reads here would wait with it. The
            // leader answers them (linearizably, which a serializable read may also be).
            answer = forwarder.query(clientAddress(otherLeader.get()), query, requestTimeoutMillis);
        } else if (serializable) {
            answer = queryRaft(query, ReadConsistency.STALE);
        } else {
            answer = queryRaft(query, ReadConsistency.LINEARIZABLE).exceptionallyCompose(failure -> {
                if (!(Failures.unwrap(failure) instanceof NotLeaderException)) {
                    return CompletableFuture.failedFuture(failure);
                }
                // This member could not confirm the read (no leader, or leadership moved): ask whoever leads now.
                return leader().thenCompose(leader -> leader.equals(self)
                        ? queryRaft(query, ReadConsistency.LINEARIZABLE)
                        : forwarder.query(clientAddress(leader), query, requestTimeoutMillis));
            });
        }
        return answer.thenApply(KvNode::successOrThrow);
    }

    /**
     * Answers a linearizable read on this member without forwarding it; used for reads forwarded by other members.
     *
     * @param query the read
     * @return the answer, including refusals
     */
    public CompletableFuture<QueryResult> queryLocally(Query query) {
        if (query.hasLeaseRenew() || query.hasLeaseTimeToLive()) {
            return leases.answerAsLeader(query);
        }
        return queryRaft(query, ReadConsistency.LINEARIZABLE).exceptionallyCompose(failure ->
                CompletableFuture.failedFuture(Failures.unwrap(failure) instanceof NotLeaderException
                        ? NodeError.NOT_LEADER.exception() : failure));
    }

    private CompletableFuture<QueryResult> queryRaft(Query query, ReadConsistency consistency) {
        return raft.query(query.toByteArray(), consistency).handle((bytes, failure) -> {
            if (failure != null) {
                Throwable cause = Failures.unwrap(failure);
                // Keep NotLeaderException visible to the caller, which may forward the read.
                throw cause instanceof NotLeaderException n ? new CompletionException(n)
                        : Failures.rethrowable(cause);
            }
            return parse(bytes, QueryResult::parseFrom);
        });
    }

    /** Completes with the leader's id, waiting for an election up to the request timeout. */
    private CompletableFuture<NodeId> leader() {
        Optional<NodeId> known = knownLeader(raft.status());
        if (known.isPresent()) {
            return CompletableFuture.completedFuture(known.get());
        }
        CompletableFuture<NodeId> found = new CompletableFuture<>();
        waitingForLeader.add(found);
        // A leader may have been reported between the first look and the registration: look once more.
        knownLeader(raft.status()).ifPresent(leader -> complete(found, leader));
        try {
            ScheduledFuture<?> timeout = timer.schedule(() -> {
                if (waitingForLeader.remove(found)) {
                    found.completeExceptionally(NodeError.NO_LEADER.exception());
                }
            }, requestTimeoutMillis, TimeUnit.MILLISECONDS);
            found.whenComplete((leader, failure) -> timeout.cancel(false));
        } catch (RejectedExecutionException closing) {
            waitingForLeader.remove(found);
            found.completeExceptionally(NodeError.STOPPED.exception());
        }
        return found;
    }

    /**
     * Called by the engine on its own thread when the leader changes: hands waiting requests to the timer thread, so
     * that what they do next (propose, forward) never runs on the engine's thread.
     */
    private void leadershipChanged(RaftStatus status) {
        leases.leadershipChanged(status.role() == RaftRole.LEADER);
        knownLeader(status).ifPresent(leader -> {
            try {
                timer.execute(() -> waitingForLeader.forEach(f -> complete(f, leader)));
            } catch (RejectedExecutionException closing) {
                // close() fails the waiting requests itself.
            }
        });
    }

    private void complete(CompletableFuture<NodeId> waiting, NodeId leader) {
        if (waitingForLeader.remove(waiting)) {
            waiting.complete(leader);
        }
    }

    /** The leader this status names: this member if it leads, another member if known; none during elections. */
    private Optional<NodeId> knownLeader(RaftStatus status) {
        if (status.role() == RaftRole.LEADER) {
            return Optional.of(self);
        }
        return status.leader().filter(leader -> !leader.equals(self));
    }

    private HostPort clientAddress(NodeId leader) {
        return members.member(leader).map(MemberInfo::clientAddress)
                .orElseThrow(NodeError.NO_LEADER::exception);
    }

    private static CommandResult successOrThrow(CommandResult result) {
        if (result.hasFailure()) {
            throw Failures.of(result.getFailure());
        }
        return result;
    }

    private static QueryResult successOrThrow(QueryResult result) {
        if (result.hasFailure()) {
            throw Failures.of(result.getFailure());
        }
        return result;
    }

    private interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    private static <T> T parse(byte[] bytes, Parser<T> parser) {
        try {
            return parser.parse(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the state machine returned an undecodable result", e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Closes the Raft node (pending requests fail with "server stopped"), then the forwarding channels. */
    @Override
    public void close() {
        watches.close(); // streams end with "server stopped" first, so clients move to another member
        raft.close();
        maintenance.shutdownNow();
        try {
            // A defragmentation under way must end before the backend closes.
            maintenance.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stateMachine.close();
        forwarder.close();
        timer.shutdownNow();
        for (CompletableFuture<NodeId> waiting : waitingForLeader) {
            if (waitingForLeader.remove(waiting)) {
                waiting.completeExceptionally(NodeError.STOPPED.exception());
            }
        }
    }

}
