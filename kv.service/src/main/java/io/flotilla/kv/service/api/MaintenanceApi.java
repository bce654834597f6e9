package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.StoreStats;
import io.flotilla.kv.service.internal.proto.command.StoreStatsRequest;
import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.StatusRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.node.KvNode;
import io.flotilla.raft.api.RaftStatus;
import io.grpc.stub.StreamObserver;

/** The etcd {@code Maintenance} service: Status only; the other methods answer UNIMPLEMENTED. */
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
        Query stats = Query.newBuilder().setStats(StoreStatsRequest.getDefaultInstance()).build();
        // The member's own state, as etcd reports it: no round trip to the leader.
        Replies.reply(() -> node.read(stats, true), result -> {
            StoreStats s = result.getStats();
            RaftStatus raft = node.status();
            return StatusResponse.newBuilder()
                    .setHeader(node.header(s.getRevision()))
                    .setVersion(API_VERSION)
                    .setStorageVersion(API_VERSION)
                    .setDbSize(s.getSizeBytes())
                    .setDbSizeInUse(s.getSizeBytes())
                    .setLeader(raft.leader().map(ClusterMembers::memberId).orElse(0L))
                    .setRaftIndex(raft.commitIndex())
                    .setRaftTerm(raft.term())
                    .setRaftAppliedIndex(raft.appliedIndex())
                    .setIsLearner(raft.configuration().learners().contains(node.self()))
                    .build();
        }, observer);
    }
}
