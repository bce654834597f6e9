package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.command.ForwardingGrpc;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.node.KvNode;
import io.grpc.stub.StreamObserver;

/**
 * Takes reads other members forward to this one as the leader. It never forwards again: a member that is no longer
 * the leader answers "etcdserver: not leader", and the forwarding member tells its client to retry. (Writes are
 * forwarded by the Raft engine itself.)
 */
public final class ForwardingApi extends ForwardingGrpc.ForwardingImplBase {

    private final KvNode node;

    /**
     * Creates the service.
     *
     * @param node the member that serves it
     */
    public ForwardingApi(KvNode node) {
        this.node = node;
    }

    @Override
    public void query(Query request, StreamObserver<QueryResult> observer) {
        Replies.reply(() -> node.queryLocally(request), result -> result, observer);
    }
}
