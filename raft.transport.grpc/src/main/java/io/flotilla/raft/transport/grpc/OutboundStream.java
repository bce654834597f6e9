package io.flotilla.raft.transport.grpc;

import io.flotilla.raft.transport.grpc.internal.proto.RaftTransportGrpc;
import io.flotilla.raft.transport.grpc.internal.proto.Wire;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.TimeUnit;

/**
 * One client-streaming call to a peer, written by one thread at a time (its {@link PeerLink} sees to that). It tracks gRPC's readiness (HTTP/2
 * flow control) so the sender writes only when the stream can take more, keeping gRPC's own buffers small; messages
 * beyond that wait in the peer's bounded queue, where the drop policy applies.
 */
final class OutboundStream implements ClientResponseObserver<Wire.Envelope, Wire.StreamSummary> {

    private final Object lock = new Object();
    private ClientCallStreamObserver<Wire.Envelope> requests;
    private long signals;
    private Status failure;

    private OutboundStream() {
    }

    /**
     * Starts a call. It is not usable until {@link #awaitWritable()} says so (the channel may still be connecting).
     *
     * @param stub the peer's stub; with wait-for-ready, so the call waits for a connection instead of failing at once
     * @return the stream
     */
    static OutboundStream open(RaftTransportGrpc.RaftTransportStub stub) {
        OutboundStream stream = new OutboundStream();
        stub.stream(stream);
        return stream;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Wire.Envelope> requestStream) {
        this.requests = requestStream;
        requestStream.setOnReadyHandler(this::signal);
    }

    /**
     * Waits until the stream can take a message or has failed.
     *
     * @return true if writable, false if the stream has failed (see {@link #failure()})
     * @throws InterruptedException when the transport closes
     */
    boolean awaitWritable() throws InterruptedException {
        return awaitWritable(Long.MAX_VALUE);
    }

    /**
     * Waits until the stream can take a message, has failed, or the deadline has passed.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value, or {@link Long#MAX_VALUE} for no deadline
     * @return true if writable; false if failed (see {@link #failure()}) or still not writable at the deadline
     * @throws InterruptedException when the transport closes
     */
    boolean awaitWritable(long deadlineNanos) throws InterruptedException {
        while (true) {
            long seen;
            synchronized (lock) {
                if (failure != null) {
                    return false;
                }
                seen = signals;
            }
            // Asked outside our lock, so gRPC's internal locks and ours are never held together.
            if (requests.isReady()) {
                return true;
            }
            synchronized (lock) {
                while (failure == null && signals == seen) {
                    if (deadlineNanos == Long.MAX_VALUE) {
                        lock.wait();
                    } else {
                        long remaining = deadlineNanos - System.nanoTime();
                        if (remaining <= 0) {
                            return false;
                        }
                        TimeUnit.NANOSECONDS.timedWait(lock, remaining);
                    }
                }
            }
        }
    }

    /**
     * Tells whether the stream can take a message now without waiting: it has not failed and flow control allows.
     *
     * @return true if a write now would not pile up in gRPC's buffers
     */
    boolean isReady() {
        return failure() == null && requests.isReady();
    }

    /**
     * Writes one message; gRPC sends it asynchronously.
     *
     * @param envelope the message
     * @return false if the stream failed meanwhile (the message is then lost, which Raft tolerates)
     */
    boolean write(Wire.Envelope envelope) {
        try {
            requests.onNext(envelope);
            return true;
        } catch (RuntimeException e) {
            fail(Status.fromThrowable(e));
            return false;
        }
    }

    /** Returns why the stream failed, or null while it is healthy. */
    Status failure() {
        synchronized (lock) {
            return failure;
        }
    }

    /** Ends the call from our side, e.g. when the transport closes or the peer is removed. */
    void cancel() {
        if (failure() == null) {
            requests.cancel("transport closing", null);
        }
    }

    @Override
    public void onNext(Wire.StreamSummary summary) {
        // The summary only says how many messages the peer took; nothing depends on it.
    }

    @Override
    public void onError(Throwable t) {
        fail(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        fail(Status.UNAVAILABLE.withDescription("the peer ended the stream"));
    }

    private void fail(Status status) {
        synchronized (lock) {
            if (failure == null) {
                failure = status;
            }
            signals++;
            lock.notifyAll();
        }
    }

    private void signal() {
        synchronized (lock) {
            signals++;
            lock.notifyAll();
        }
    }
}
