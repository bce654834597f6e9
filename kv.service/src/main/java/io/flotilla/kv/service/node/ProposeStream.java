package io.flotilla.kv.service.node;

import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.ForwardedCommand;
import io.flotilla.kv.service.internal.proto.command.ForwardedResult;
import io.flotilla.kv.service.internal.proto.command.ForwardingGrpc;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A follower's stream of writes to one leader: each write goes out under an id and its future completes when the
 * answer with that id comes back, in whatever order. If the stream breaks, every write still on it fails with the
 * stream's status (the outcome is unknown, as for a unary call whose connection broke) and the next write opens a new
 * stream.
 */
final class ProposeStream implements ClientResponseObserver<ForwardedCommand, ForwardedResult> {

    /** A write waiting for its answer, failed by {@link #expire} if none comes by its deadline. */
    private record Pending(CompletableFuture<CommandResult> result, long deadlineNanos) {
    }

    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    /** Written under this object's lock only: gRPC's request stream is not thread-safe. */
    private ClientCallStreamObserver<ForwardedCommand> requests;
    private long nextId;
    /** Set once, when the stream breaks; read and set without our lock, so gRPC callbacks never wait for it. */
    private final AtomicReference<Status> failure = new AtomicReference<>();

    private ProposeStream() {
    }

    static ProposeStream open(ForwardingGrpc.ForwardingStub stub) {
        ProposeStream stream = new ProposeStream();
        // Opened outside the context of the client request that happens to need it first: gRPC would otherwise tie
        // the stream to that request and cancel it when the request ends.
        Context.ROOT.run(() -> stub.proposeStream(stream));
        return stream;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ForwardedCommand> requestStream) {
        this.requests = requestStream;
    }

    /** Whether the stream has broken; a broken stream takes no more writes. */
    boolean failed() {
        return failure.get() != null;
    }

    /**
     * Sends a write to the leader.
     *
     * @param command       the write
     * @param timeoutMillis how long to wait for the answer before {@link #expire} fails it with DEADLINE_EXCEEDED
     * @return the leader's result; fails with a {@link io.grpc.StatusRuntimeException}
     */
    CompletableFuture<CommandResult> propose(Command command, long timeoutMillis) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        long id;
        synchronized (this) {
            Status broken = failure.get();
            if (broken != null) {
                return CompletableFuture.failedFuture(broken.asRuntimeException());
            }
            id = nextId++;
            pending.put(id, new Pending(result, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis)));
            try {
                requests.onNext(ForwardedCommand.newBuilder().setId(id).setCommand(command).build());
            } catch (RuntimeException e) {
                pending.remove(id);
                return CompletableFuture.failedFuture(Status.fromThrowable(e).asRuntimeException());
            }
        }
        // The stream may have broken after the check, and its pending writes been failed before ours was added.
        Status broken = failure.get();
        if (broken != null) {
            failPending(id, broken);
        }
        return result;
    }

    /**
     * Fails the writes whose deadline has passed. Called periodically by the {@link Forwarder}: the leader answers
     * every write itself (its engine times proposals out), so this only matters when the leader stops answering
     * without the stream breaking; one sweep costs far less than a timer per write.
     *
     * @param nowNanos a {@link System#nanoTime()} value
     */
    void expire(long nowNanos) {
        pending.forEach((id, p) -> {
            if (nowNanos - p.deadlineNanos() >= 0) {
                failPending(id, Status.DEADLINE_EXCEEDED.withDescription("no answer from the leader in time"));
            }
        });
    }

    @Override
    public void onNext(ForwardedResult answer) {
        Pending waiting = pending.remove(answer.getId());
        if (waiting == null) {
            return; // timed out already
        }
        if (answer.hasResult()) {
            waiting.result().complete(answer.getResult());
        } else {
            waiting.result().completeExceptionally(Status.fromCodeValue(answer.getFailure().getCode())
                    .withDescription(answer.getFailure().getDescription()).asRuntimeException());
        }
    }

    @Override
    public void onError(Throwable t) {
        fail(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        fail(Status.UNAVAILABLE.withDescription("the leader ended the forwarding stream"));
    }

    /** Ends the stream from this side, failing what is still on it. */
    void cancel() {
        fail(Status.CANCELLED.withDescription("member stopping"));
        synchronized (this) {
            requests.cancel("member stopping", null);
        }
    }

    private void fail(Status status) {
        failure.compareAndSet(null, status);
        for (Long id : pending.keySet()) {
            failPending(id, status);
        }
    }

    private void failPending(long id, Status status) {
        Pending waiting = pending.remove(id);
        if (waiting != null) {
            waiting.result().completeExceptionally(status.asRuntimeException());
        }
    }
}
