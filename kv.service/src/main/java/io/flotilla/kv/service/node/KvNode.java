package io.flotilla.kv.service.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.service.mvcc.KvStateMachine;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.RaftNode;
import io.flotilla.raft.api.RaftNodeConfig;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.RaftStatus;
import io.flotilla.raft.api.ReadConsistency;
import io.flotilla.raft.api.spi.Plugins;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One member of the KV service: its Raft node, its state machine, and the routing of requests. Writes are proposed
 * on the leader — a follower hands them to the leader's client port — and complete once committed and applied.
 * Linearizable reads go through the engine's read barrier, and to the leader if this member cannot confirm them;
 * serializable reads are answered from the local state.
 *
 * <p>Futures fail with {@link io.grpc.StatusRuntimeException}s that carry etcd's codes and messages.
 */
public final class KvNode implements AutoCloseable {

    /** Engine name: Flotilla's own. */
    public static final String ENGINE = "flotilla";

    private final RaftNode raft;
    private final KvStateMachine stateMachine;
    private final ClusterMembers members;
    private final NodeId self;
    private final long memberId;
    private final long requestTimeoutMillis;
    private final int maxRequestBytes;
    private final Forwarder forwarder;
    private final ScheduledExecutorService timer;
    /** Requests waiting for a leader to be elected; completed when the engine reports one (no polling). */
    private final Set<CompletableFuture<NodeId>> waitingForLeader = ConcurrentHashMap.newKeySet();

    private KvNode(RaftNode raft, KvStateMachine stateMachine, ServerSettings settings) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.members = new ClusterMembers(settings.members());
        this.self = settings.self();
        this.memberId = ClusterMembers.memberId(self);
        this.requestTimeoutMillis = settings.raftOptions().requestTimeoutMillis();
        this.maxRequestBytes = settings.maxRequestBytes();
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("flotilla-kv-timer-" + self));
        // Forwarded messages carry one request or response: allow what a client may send, with room for framing.
        this.forwarder = new Forwarder(maxInboundMessageBytes(maxRequestBytes), timer);
        raft.addLeadershipListener(this::leadershipChanged);
    }

    /**
     * Starts a member: its state machine and, through {@link Plugins#engine(String)}, its Raft node with the
     * configured log store and transport.
     *
     * @param settings the member's settings
     * @return the running member
     * @throws io.flotilla.raft.api.UnknownPluginException if the log store or transport is not available
     */
    public static KvNode start(ServerSettings settings) {
        KvStateMachine stateMachine = new KvStateMachine();
        Map<NodeId, String> peers = settings.members().stream()
                .collect(Collectors.toMap(MemberInfo::id, m -> m.peerAddress().toString()));
        RaftNodeConfig config = new RaftNodeConfig(settings.self(), peers, settings.dataDirectory(),
                settings.raftOptions(), settings.logStoreOptions(), settings.transportOptions());
        RaftNode raft = Plugins.engine(ENGINE).start(config, stateMachine);
        return new KvNode(raft, stateMachine, settings);
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
            return CompletableFuture.failedFuture(EtcdStatus.of(KvError.REQUEST_TOO_LARGE).asRuntimeException());
        }
        return leader().thenCompose(leader -> leader.equals(self)
                        ? proposeLocally(command)
                        : forwarder.propose(clientAddress(leader), command, requestTimeoutMillis))
                .thenApply(KvNode::successOrThrow);
    }

    /**
     * Proposes a write on this member, which must lead; used for writes forwarded by other members.
     *
     * @param command the write
     * @return the result, including refusals; fails with {@link EtcdStatus#NOT_LEADER} if this member does not lead
     */
    public CompletableFuture<CommandResult> proposeLocally(Command command) {
        if (raft.status().role() != RaftRole.LEADER) {
            return CompletableFuture.failedFuture(EtcdStatus.NOT_LEADER.asRuntimeException());
        }
        return raft.propose(command.toByteArray())
                .handle((bytes, failure) -> {
                    if (failure != null) {
                        throw EtcdStatus.toException(failure);
                    }
                    return parse(bytes, CommandResult::parseFrom);
                });
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
        if (serializable) {
            answer = queryRaft(query, ReadConsistency.STALE);
        } else {
            answer = queryRaft(query, ReadConsistency.LINEARIZABLE).exceptionallyCompose(failure -> {
                if (!(EtcdStatus.unwrap(failure) instanceof NotLeaderException)) {
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
        return queryRaft(query, ReadConsistency.LINEARIZABLE).exceptionallyCompose(failure ->
                CompletableFuture.failedFuture(EtcdStatus.unwrap(failure) instanceof NotLeaderException
                        ? EtcdStatus.NOT_LEADER.asRuntimeException() : failure));
    }

    private CompletableFuture<QueryResult> queryRaft(Query query, ReadConsistency consistency) {
        return raft.query(query.toByteArray(), consistency).handle((bytes, failure) -> {
            if (failure != null) {
                Throwable cause = EtcdStatus.unwrap(failure);
                // Keep NotLeaderException visible to the caller, which may forward the read.
                throw cause instanceof NotLeaderException n ? new CompletionException(n)
                        : EtcdStatus.toException(cause);
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
                    found.completeExceptionally(EtcdStatus.NO_LEADER.asRuntimeException());
                }
            }, requestTimeoutMillis, TimeUnit.MILLISECONDS);
            found.whenComplete((leader, failure) -> timeout.cancel(false));
        } catch (RejectedExecutionException closing) {
            waitingForLeader.remove(found);
            found.completeExceptionally(EtcdStatus.STOPPED.asRuntimeException());
        }
        return found;
    }

    /**
     * Called by the engine on its own thread when the leader changes: hands waiting requests to the timer thread, so
     * that what they do next (propose, forward) never runs on the engine's thread.
     */
    private void leadershipChanged(RaftStatus status) {
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
                .orElseThrow(EtcdStatus.NO_LEADER::asRuntimeException);
    }

    private static CommandResult successOrThrow(CommandResult result) {
        if (result.hasFailure()) {
            throw EtcdStatus.of(result.getFailure()).asRuntimeException();
        }
        return result;
    }

    private static QueryResult successOrThrow(QueryResult result) {
        if (result.hasFailure()) {
            throw EtcdStatus.of(result.getFailure()).asRuntimeException();
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
        raft.close();
        forwarder.close();
        timer.shutdownNow();
        for (CompletableFuture<NodeId> waiting : waitingForLeader) {
            if (waitingForLeader.remove(waiting)) {
                waiting.completeExceptionally(EtcdStatus.STOPPED.asRuntimeException());
            }
        }
    }

}
