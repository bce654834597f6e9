package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrpc;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseLeasesRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseLeasesResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseTimeToLiveRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseTimeToLiveResponse;
import io.flotilla.kv.service.node.KvNode;
import io.flotilla.kv.service.node.Leases;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code Lease} service. Keep-alive streams answer their requests one at a time, in order, and read the next
 * request only once the previous one is answered (so a client that floods renewals holds no more than one in flight);
 * a failure (no leader, a timeout) ends the stream with etcd's error, after which etcd clients open a new one.
 */
public final class LeaseApi extends LeaseGrpc.LeaseImplBase {

    private final Leases leases;

    /**
     * @param node the member that serves it
     */
    public LeaseApi(KvNode node) {
        this.leases = node.leases();
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
        Replies.reply(() -> leases.grant(request), r -> r, observer);
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
        Replies.reply(() -> leases.revoke(request), r -> r, observer);
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
        Replies.reply(() -> leases.timeToLive(request), r -> r, observer);
    }

    @Override
    public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> observer) {
        Replies.reply(() -> CompletableFuture.completedFuture(leases.list()), r -> r, observer);
    }

    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
        ServerCallStreamObserver<LeaseKeepAliveResponse> call =
                (ServerCallStreamObserver<LeaseKeepAliveResponse>) responses;
        call.disableAutoRequest();
        call.request(1);
        return new StreamObserver<>() {
            private volatile boolean done;

            @Override
            public void onNext(LeaseKeepAliveRequest request) {
                CompletableFuture<LeaseKeepAliveResponse> answer;
                try {
                    answer = leases.renew(request.getID());
                } catch (RuntimeException e) {
                    answer = CompletableFuture.failedFuture(e);
                }
                answer.whenComplete((response, failure) -> {
                    synchronized (call) {
                        if (done) {
                            return;
                        }
                        if (failure != null) {
                            done = true;
                            call.onError(EtcdStatus.toException(failure));
                            return;
                        }
                        call.onNext(response);
                    }
                    call.request(1);
                });
            }

            @Override
            public void onError(Throwable t) {
                done = true;
            }

            @Override
            public void onCompleted() {
                synchronized (call) {
                    if (!done) {
                        done = true;
                        call.onCompleted();
                    }
                }
            }
        };
    }
}
