package io.flotilla.kv.service.api;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.flotilla.kv.service.internal.proto.command.ForwardingGrpc;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.node.Failures;
import io.flotilla.kv.service.node.HostPort;
import io.flotilla.kv.service.node.NodeError;
import io.flotilla.kv.service.node.ReadForwarder;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The {@link ReadForwarder} over gRPC: hands reads to the leader's client port ({@code Forwarding} service), over one
 * long-lived channel per member, and turns what goes wrong into etcd's errors.
 */
public final class GrpcReadForwarder implements ReadForwarder {

    private static final String ETCD_PREFIX = "etcdserver: ";

    private final Map<HostPort, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final int maxMessageBytes;
    private volatile boolean closed;

    /**
     * Creates the forwarder; channels are opened on first use.
     *
     * @param maxMessageBytes the largest answer accepted
     */
    public GrpcReadForwarder(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public CompletableFuture<QueryResult> query(HostPort leader, Query query, long timeoutMillis) {
        if (closed) {
            return CompletableFuture.failedFuture(NodeError.STOPPED.exception());
        }
        return toCompletable(stub(leader, timeoutMillis).query(query));
    }

    private ForwardingGrpc.ForwardingFutureStub stub(HostPort target, long timeoutMillis) {
        return ForwardingGrpc.newFutureStub(channel(target)).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private ManagedChannel channel(HostPort target) {
        return channels.computeIfAbsent(target, t -> NettyChannelBuilder
                .forAddress(t.host(), t.port())
                .usePlaintext()
                // The callback only completes a future, whose continuation answers the client without blocking.
                .directExecutor()
                .maxInboundMessageSize(maxMessageBytes)
                .build());
    }

    private static <T> CompletableFuture<T> toCompletable(ListenableFuture<T> future) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Futures.addCallback(future, new FutureCallback<T>() {
            @Override
            public void onSuccess(T value) {
                result.complete(value);
            }

            @Override
            public void onFailure(Throwable t) {
                result.completeExceptionally(forwardingFailure(t));
            }
        }, MoreExecutors.directExecutor());
        return result;
    }

    /**
     * Returns what a client should see when a read handed to the leader failed. An etcd error from the leader is
     * passed on, except that "not leader" (leadership moved, nothing happened) becomes the retryable "leader changed";
     * a transport failure becomes a timeout.
     */
    static KvException forwardingFailure(Throwable failure) {
        Throwable t = Failures.unwrap(failure);
        if (!(t instanceof StatusRuntimeException s)) {
            Throwable e = Failures.toEtcdError(t);
            return e instanceof KvException k ? k : NodeError.CONNECTION_LOST.exception();
        }
        String description = s.getStatus().getDescription();
        if (NodeError.NOT_LEADER.message().equals(description)) {
            return NodeError.LEADER_CHANGED.exception();
        }
        if (description != null && description.startsWith(ETCD_PREFIX)) {
            return new KvException(io.flotilla.kv.service.mvcc.StatusCode.of(s.getStatus().getCode().value()),
                    description);
        }
        if (s.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return NodeError.TIMEOUT.exception();
        }
        return NodeError.CONNECTION_LOST.exception();
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel channel : channels.values()) {
            try {
                channel.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
