package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.etcd.ClusterGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MemberListRequest;
import io.flotilla.kv.service.internal.proto.etcd.MemberListResponse;
import io.flotilla.kv.service.node.KvNode;
import io.grpc.stub.StreamObserver;

/**
 * The etcd {@code Cluster} service: MemberList only. Membership changes (add, remove, update, promote) are not
 * offered and answer UNIMPLEMENTED.
 */
public final class ClusterApi extends ClusterGrpc.ClusterImplBase {

    private final KvNode node;

    /**
     * Creates the service.
     *
     * @param node the member that serves it
     */
    public ClusterApi(KvNode node) {
        this.node = node;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        observer.onNext(MemberListResponse.newBuilder()
                .setHeader(node.header(node.revision()))
                .addAllMembers(node.members().toProto(node.status().configuration().learners()))
                .build());
        observer.onCompleted();
    }
}
