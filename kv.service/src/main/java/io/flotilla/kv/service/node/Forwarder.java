package io.flotilla.kv.service.node;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.flotilla.kv.service.internal.proto.command.ForwardingGrpc;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Hands reads to the leader's client port ({@code Forwarding} service), over one long-lived channel per member. Used
 * when this member cannot serve a read itself: a linearizable read the follower could not confirm, or any read while
 * its own apply thread waits for a full disk. (Writes are forwarded by the Raft engine, inside Raft.)
 */
final class Forwarder implements AutoCloseable {

    private final Map<HostPort, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final int maxMessageBytes;
    private volatile boolean closed;

    /**
     * @param maxMessageBytes the largest answer accepted
     */
    Forwarder(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    CompletableFuture<QueryResult> query(HostPort leader, Query query, long timeoutMillis) {
        return toCompletable(stub(leader, timeoutMillis).query(query));
    }

    private ForwardingGrpc.ForwardingFutureStub stub(HostPort target, long timeoutMillis) {
        if (closed) {
            throw EtcdStatus.STOPPED.asRuntimeException();
        }
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
                result.completeExceptionally(EtcdStatus.forwardingFailure(t));
            }
        }, MoreExecutors.directExecutor());
        return result;
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
