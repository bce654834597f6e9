package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.etcd.AlarmMember;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest;
import io.flotilla.kv.service.internal.proto.etcd.AlarmResponse;
import io.flotilla.kv.service.internal.proto.etcd.DefragmentRequest;
import io.flotilla.kv.service.internal.proto.etcd.DefragmentResponse;
import io.flotilla.kv.service.internal.proto.etcd.HashKVRequest;
import io.flotilla.kv.service.internal.proto.etcd.HashKVResponse;
import io.flotilla.kv.service.internal.proto.etcd.HashRequest;
import io.flotilla.kv.service.internal.proto.etcd.HashResponse;
import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MoveLeaderRequest;
import io.flotilla.kv.service.internal.proto.etcd.MoveLeaderResponse;
import io.flotilla.kv.service.internal.proto.etcd.SnapshotRequest;
import io.flotilla.kv.service.internal.proto.etcd.SnapshotResponse;
import io.flotilla.kv.service.internal.proto.etcd.StatusRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.flotilla.kv.service.mvcc.Alarms;
import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.node.NodeError;
import io.flotilla.kv.service.node.KvNode;
import io.flotilla.kv.service.ops.Versions;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.RaftStatus;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd {@code Maintenance} service: Status, Alarm, Defragment, Hash, HashKV, MoveLeader and Snapshot; Downgrade
 * answers UNIMPLEMENTED.
 *
 * <ul>
 *   <li>{@code Alarm}: GET lists the active alarms of every member (or those of one type; etcd ignores the member
 *       id here too) with a linearizable read; ACTIVATE and DEACTIVATE go through Raft, so every member holds the
 *       same alarms.</li>
 *   <li>{@code Defragment}: this member only, on its maintenance thread.</li>
 *   <li>{@code HashKV}: this member's hash of the history a read can reach up to a revision (0: the current one),
 *       with the compaction revision and the revision hashed; equal on members that applied the same commands,
 *       whatever their background compaction has removed yet. {@code Hash} is the same hash at the current
 *       revision.</li>
 *   <li>{@code MoveLeader}: only the leader takes it ("etcdserver: not leader" elsewhere, as etcd), for a voter
 *       ("etcdserver: bad leader transferee" for a learner or an unknown id); answers once the target leads, or
 *       fails after an election timeout with etcd's "leader transfer took too long".</li>
 *   <li>{@code Snapshot}: a backup of this member's store ({@link io.flotilla.kv.service.mvcc.BackupFile}),
 *       streamed in 32 KiB chunks as the client reads them ({@link BackupStreamer}).</li>
 *   <li>{@code Status}: the member's own figures, read without waiting for its apply thread; {@code errors} lists
 *       "etcdserver: no leader" when no leader is known and every active alarm as etcd prints it, e.g.
 *       {@code memberID:8911717203425210593 alarm:NOSPACE }.</li>
 * </ul>
 */
public final class MaintenanceApi extends MaintenanceGrpc.MaintenanceImplBase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceApi.class);

    private final KvNode node;
    private final BackupStreamer backups;

    /**
     * Creates the service.
     *
     * @param node the member that serves it
     */
    public MaintenanceApi(KvNode node) {
        this.node = node;
        this.backups = new BackupStreamer(node);
    }

    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
        backups.stream((ServerCallStreamObserver<SnapshotResponse>) observer);
    }

    /** Stops the backups in progress. */
    @Override
    public void close() {
        backups.close();
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        // The member's own state, as etcd reports it: no round trip to the leader, no wait for the apply thread.
        Replies.reply(() -> CompletableFuture.completedFuture(node.localStats()), s -> {
            RaftStatus raft = node.status();
            StatusResponse.Builder response = StatusResponse.newBuilder()
                    .setHeader(node.header(s.getRevision()))
                    .setVersion(Versions.ETCD_API)
                    .setStorageVersion(Versions.ETCD_API)
                    .setDbSize(s.getSizeBytes())
                    .setDbSizeInUse(s.getSizeInUseBytes())
                    .setLeader(raft.leader().map(ClusterMembers::memberId).orElse(0L))
                    .setRaftIndex(raft.commitIndex())
                    .setRaftTerm(raft.term())
                    .setRaftAppliedIndex(raft.appliedIndex())
                    .setIsLearner(raft.configuration().learners().contains(node.self()));
            if (node.quotaBytes() != Long.MAX_VALUE) {
                response.setDbSizeQuota(node.quotaBytes());
            }
            if (raft.leader().isEmpty()) {
                response.addErrors(NodeError.NO_LEADER.message());
            }
            for (AlarmMember alarm : node.alarms()) {
                response.addErrors(Alarms.format(alarm));
            }
            return response.build();
        }, observer);
    }

    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
        Replies.reply(() -> switch (request.getAction()) {
            case GET -> node.read(Query.newBuilder().setAlarms(request).build(), false)
                    .thenApply(result -> result.getAlarms());
            case ACTIVATE, DEACTIVATE -> node.write(Command.newBuilder().setAlarm(request).build())
                    .thenApply(result -> result.getAlarm());
            default -> CompletableFuture.failedFuture(Status.INVALID_ARGUMENT
                    .withDescription("etcdserver: unknown alarm action " + request.getActionValue())
                    .asRuntimeException());
        }, r -> r.toBuilder().setHeader(node.header(Math.max(r.getHeader().getRevision(), node.revision()))).build(),
                observer);
    }

    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
        Replies.reply(node::defragment,
                done -> DefragmentResponse.newBuilder().setHeader(node.header(node.revision())).build(), observer);
    }

    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> observer) {
        Replies.reply(() -> node.readLocal(Query.newBuilder().setHashKv(request).build()), result -> {
            HashKVResponse r = result.getHashKv();
            return r.toBuilder().setHeader(node.header(r.getHeader().getRevision())).build();
        }, observer);
    }

    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
        Query current = Query.newBuilder().setHashKv(HashKVRequest.getDefaultInstance()).build();
        Replies.reply(() -> node.readLocal(current), result -> {
            HashKVResponse r = result.getHashKv();
            return HashResponse.newBuilder().setHeader(node.header(r.getHeader().getRevision()))
                    .setHash(r.getHash()).build();
        }, observer);
    }

    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
        Replies.reply(() -> {
            RaftStatus raft = node.status();
            if (raft.role() != RaftRole.LEADER) {
                return CompletableFuture.failedFuture(NodeError.NOT_LEADER.exception());
            }
            Optional<NodeId> target = raft.configuration().voters().stream()
                    .filter(id -> ClusterMembers.memberId(id) == request.getTargetID()).findFirst();
            if (target.isEmpty()) {
                return CompletableFuture.failedFuture(NodeError.BAD_LEADER_TRANSFEREE.exception());
            }
            if (target.get().equals(node.self())) {
                return CompletableFuture.completedFuture(null); // etcd: the target leads already, nothing to wait for
            }
            LOG.info("member {}: leadership transfer to {} starting", node.self(), target.get());
            return node.transferLeadership(target.get()).handle((done, failure) -> {
                if (failure == null) {
                    LOG.info("member {}: leadership transferred to {}", node.self(), target.get());
                    return null;
                }
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                throw (cause instanceof NotLeaderException ? NodeError.NOT_LEADER
                        : cause instanceof IllegalArgumentException ? NodeError.BAD_LEADER_TRANSFEREE
                        : NodeError.LEADER_TRANSFER_TIMEOUT).exception();
            });
        }, done -> MoveLeaderResponse.newBuilder().setHeader(node.header(node.revision())).build(), observer);
    }
}
