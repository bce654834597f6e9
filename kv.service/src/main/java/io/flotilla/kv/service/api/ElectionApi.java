package io.flotilla.kv.service.api;

import io.flotilla.kv.service.coordination.Cancellable;
import io.flotilla.kv.service.coordination.Elections;
import io.flotilla.kv.service.coordination.Scope;
import io.flotilla.kv.service.internal.proto.election.CampaignRequest;
import io.flotilla.kv.service.internal.proto.election.CampaignResponse;
import io.flotilla.kv.service.internal.proto.election.ElectionGrpc;
import io.flotilla.kv.service.internal.proto.election.LeaderRequest;
import io.flotilla.kv.service.internal.proto.election.LeaderResponse;
import io.flotilla.kv.service.internal.proto.election.ProclaimRequest;
import io.flotilla.kv.service.internal.proto.election.ProclaimResponse;
import io.flotilla.kv.service.internal.proto.election.ResignRequest;
import io.flotilla.kv.service.internal.proto.election.ResignResponse;
import io.flotilla.kv.service.node.KvNode;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * etcd's {@code v3electionpb.Election} service. Campaign and Observe wait without a thread; a client that goes away
 * stops them (a cancelled campaign resigns, as etcd's does).
 */
public final class ElectionApi extends ElectionGrpc.ElectionImplBase {

    private final Elections elections;

    /**
     * @param node the member that serves it
     */
    public ElectionApi(KvNode node) {
        this.elections = new Elections(node);
    }

    @Override
    public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> observer) {
        Cancellable<CampaignResponse> waiting = elections.campaign(request);
        ((ServerCallStreamObserver<CampaignResponse>) observer).setOnCancelHandler(waiting::cancel);
        Replies.reply(waiting::result, r -> r, observer);
    }

    @Override
    public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> observer) {
        Replies.reply(() -> elections.proclaim(request), r -> r, observer);
    }

    @Override
    public void leader(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
        Replies.reply(() -> elections.leader(request), r -> r, observer);
    }

    @Override
    public void resign(ResignRequest request, StreamObserver<ResignResponse> observer) {
        Replies.reply(() -> elections.resign(request), r -> r, observer);
    }

    @Override
    public void observe(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
        ServerCallStreamObserver<LeaderResponse> call = (ServerCallStreamObserver<LeaderResponse>) observer;
        Object lock = new Object();
        Scope scope = elections.observe(request, r -> {
            synchronized (lock) {
                if (!call.isCancelled()) {
                    call.onNext(r);
                }
            }
        }, failure -> {
            synchronized (lock) {
                if (!call.isCancelled()) {
                    call.onError(EtcdStatus.toException(failure));
                }
            }
        });
        call.setOnCancelHandler(scope::cancel);
    }
}
