package io.flotilla.kv.service.node;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.ForwardingGrpc;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Hands requests to the leader's client port ({@code Forwarding} service), over one long-lived channel per member.
 * Used when this member cannot serve a request itself: writes on a follower, and linearizable reads that the follower
 * could not confirm.
 */
final class Forwarder implements AutoCloseable {

    private final Map<HostPort, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** Writes go on one stream per leader address, reopened when it breaks (see {@link ProposeStream}). */
    private final Map<HostPort, ProposeStream> proposeStreams = new ConcurrentHashMap<>();
    private final int maxMessageBytes;
    /** How often unanswered forwarded writes are checked against their deadlines. */
    private static final long SWEEP_MILLIS = 100;
    private volatile boolean closed;

    /**
     * @param maxMessageBytes the largest answer accepted
     * @param timer           runs the sweep that fails forwarded writes left unanswered past their deadline
     */
    Forwarder(int maxMessageBytes, ScheduledExecutorService timer) {
        this.maxMessageBytes = maxMessageBytes;
        timer.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            proposeStreams.values().forEach(s -> s.expire(now));
        }, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    CompletableFuture<CommandResult> propose(HostPort leader, Command command, long timeoutMillis) {
        if (closed) {
            return CompletableFuture.failedFuture(EtcdStatus.STOPPED.asRuntimeException());
        }
        ProposeStream stream = proposeStreams.get(leader);
        if (stream == null || stream.failed()) {
            // Rare (first write to this leader, or its stream broke): compute decides if two threads race here.
            stream = proposeStreams.compute(leader, (target, current) -> current == null || current.failed()
                    ? ProposeStream.open(ForwardingGrpc.newStub(channel(target))) : current);
        }
        return stream.propose(command, timeoutMillis)
                .exceptionallyCompose(t -> CompletableFuture.failedFuture(EtcdStatus.forwardingFailure(t)));
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
        proposeStreams.values().forEach(ProposeStream::cancel);
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
