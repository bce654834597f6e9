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
import io.flotilla.kv.service.internal.proto.etcd.StatusRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.flotilla.kv.service.mvcc.Alarms;
import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.node.NodeError;
import io.flotilla.kv.service.node.KvNode;
import io.flotilla.raft.api.RaftStatus;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * The etcd {@code Maintenance} service: Status, Alarm, Defragment, Hash and HashKV; Snapshot, MoveLeader and Downgrade
 * answer UNIMPLEMENTED.
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
 *   <li>{@code Status}: the member's own figures, read without waiting for its apply thread; {@code errors} lists
 *       "etcdserver: no leader" when no leader is known and every active alarm as etcd prints it, e.g.
 *       {@code memberID:8911717203425210593 alarm:NOSPACE }.</li>
 * </ul>
 */
public final class MaintenanceApi extends MaintenanceGrpc.MaintenanceImplBase {

    /**
     * The etcd API version reported. Clients use it to decide which features they may use; this server implements
     * the subset of the 3.5 API described in docs/kv-service.md.
     */
    static final String API_VERSION = "3.5.0";

    private final KvNode node;

    /**
     * Creates the service.
     *
     * @param node the member that serves it
     */
    public MaintenanceApi(KvNode node) {
        this.node = node;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        // The member's own state, as etcd reports it: no round trip to the leader, no wait for the apply thread.
        Replies.reply(() -> CompletableFuture.completedFuture(node.localStats()), s -> {
            RaftStatus raft = node.status();
            StatusResponse.Builder response = StatusResponse.newBuilder()
                    .setHeader(node.header(s.getRevision()))
                    .setVersion(API_VERSION)
                    .setStorageVersion(API_VERSION)
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
}
