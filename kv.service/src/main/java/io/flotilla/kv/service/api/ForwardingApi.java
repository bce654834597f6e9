package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.ForwardFailure;
import io.flotilla.kv.service.internal.proto.command.ForwardedCommand;
import io.flotilla.kv.service.internal.proto.command.ForwardedResult;
import io.flotilla.kv.service.internal.proto.command.ForwardingGrpc;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.node.EtcdStatus;
import io.flotilla.kv.service.node.KvNode;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * Takes requests other members forward to this one as the leader. It never forwards again: a member that is no
 * longer the leader answers "etcdserver: not leader", and the forwarding member tells its client to retry.
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
    public StreamObserver<ForwardedCommand> proposeStream(StreamObserver<ForwardedResult> results) {
        return new ProposeStream((ServerCallStreamObserver<ForwardedResult>) results);
    }

    @Override
    public void query(Query request, StreamObserver<QueryResult> observer) {
        Replies.reply(() -> node.queryLocally(request), result -> result, observer);
    }

    /**
     * One follower's stream of writes. Each is proposed here as it arrives and answered, under its id, when it
     * completes; answers come from several threads (the apply thread, timeouts), so sending is serialized.
     */
    private final class ProposeStream implements StreamObserver<ForwardedCommand> {
        private final ServerCallStreamObserver<ForwardedResult> results;
        private int outstanding;
        private boolean halfClosed;
        private volatile boolean cancelled;

        ProposeStream(ServerCallStreamObserver<ForwardedResult> results) {
            this.results = results;
            // The follower went away: answers still to come have nowhere to go.
            results.setOnCancelHandler(() -> cancelled = true);
        }

        @Override
        public void onNext(ForwardedCommand forwarded) {
            synchronized (this) {
                outstanding++;
            }
            CompletableFuture<CommandResult> result;
            try {
                result = node.proposeLocally(forwarded.getCommand());
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            result.whenComplete((r, failure) -> answer(forwarded.getId(), r, failure));
        }

        private synchronized void answer(long id, CommandResult result, Throwable failure) {
            outstanding--;
            if (cancelled) {
                return;
            }
            ForwardedResult.Builder answer = ForwardedResult.newBuilder().setId(id);
            if (failure == null) {
                answer.setResult(result);
            } else {
                Status status = EtcdStatus.toException(failure).getStatus();
                answer.setFailure(ForwardFailure.newBuilder().setCode(status.getCode().value())
                        .setDescription(status.getDescription() == null ? "" : status.getDescription()));
            }
            try {
                results.onNext(answer.build());
                if (halfClosed && outstanding == 0) {
                    results.onCompleted();
                }
            } catch (io.grpc.StatusRuntimeException cancelledMeanwhile) {
                cancelled = true;
            }
        }

        @Override
        public void onError(Throwable t) {
            // The stream broke: the follower fails what it forwarded as "connection lost" (the outcome unknown).
        }

        @Override
        public synchronized void onCompleted() {
            halfClosed = true;
            if (outstanding == 0 && !cancelled) {
                results.onCompleted();
            }
        }
    }
}
