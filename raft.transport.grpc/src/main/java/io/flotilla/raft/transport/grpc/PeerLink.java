package io.flotilla.raft.transport.grpc;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.transport.grpc.internal.proto.RaftTransportGrpc;
import io.flotilla.raft.transport.grpc.internal.proto.Wire;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything that carries messages to one peer: its long-lived channel, a bounded queue and a sender thread that
 * connects, reconnects and drains the queue into a client stream.
 *
 * <p><b>Never blocks the engine.</b> {@link #offer(RaftMessage)} writes at once when the stream can take the message
 * and nothing is queued before it, and otherwise only queues. When the queue is full (the peer is down or slower
 * than the leader) the <em>oldest</em> message is dropped, because the newest carry the freshest term and commit
 * index, and Raft treats the loss like any network loss.
 *
 * <p><b>Why the engine's thread writes directly.</b> Handing every message to the sender thread cost a thread
 * wake-up per message; on a 2-core machine running three members, profiles showed such wake-ups dominating the CPU
 * (README, Performance). Order is kept: the engine writes directly only while the queue is empty and the sender is
 * not in the middle of draining it, all under one lock.
 *
 * <p><b>Pipelining.</b> Messages are written whenever the stream is ready (HTTP/2 flow control), never waiting for an
 * answer, so as many AppendEntries are in flight as the engine's window allows.
 *
 * <p><b>Reconnection.</b> When the stream fails the sender opens a new one that waits for a connection, and nudges
 * the channel to reconnect after each {@link ReconnectBackoff} interval (50 ms doubling to 2 s by default) instead of
 * after gRPC's own, much longer backoff.
 */
final class PeerLink {

    private static final System.Logger LOG = System.getLogger(PeerLink.class.getName());
    /** Pings on an idle connection, so a peer that vanished without closing its sockets is noticed within seconds. */
    private static final long KEEPALIVE_TIME_SECONDS = 10;
    private static final long KEEPALIVE_TIMEOUT_SECONDS = 5;

    private final NodeId self;
    private final NodeId peer;
    private final PeerAddress address;
    private final int maxMessageBytes;
    private final TransportCounters counters;
    private final int capacity;
    /** Guards {@link #queue}, {@link #writable} and {@link #draining}; never held while waiting. */
    private final Object sendLock = new Object();
    private final ArrayDeque<RaftMessage> queue;
    /** The connected stream the engine may write to directly, or null until the sender has one. */
    private OutboundStream writable;
    /** True while the sender has taken a queued message and not yet written it: direct writes would overtake it. */
    private boolean draining;
    private final ReconnectBackoff backoff;
    private final long maxBackoffMillis;
    private final ManagedChannel channel;
    private final RaftTransportGrpc.RaftTransportStub stub;
    private final Thread sender;
    private final AtomicBoolean overflowing = new AtomicBoolean();
    private volatile boolean closed;
    /** Whether the last attempt reached the peer; only the sender thread uses it, to log changes once. */
    private boolean reachable = true;

    PeerLink(NodeId self, NodeId peer, PeerAddress address, GrpcTransportOptions options, TransportCounters counters) {
        this.self = self;
        this.peer = peer;
        this.address = address;
        this.maxMessageBytes = options.maxMessageBytes();
        this.counters = counters;
        this.capacity = options.queueCapacity();
        this.queue = new ArrayDeque<>(Math.min(capacity, 1024));
        this.backoff = new ReconnectBackoff(options.reconnectBackoffMinMillis(), options.reconnectBackoffMaxMillis());
        this.maxBackoffMillis = options.reconnectBackoffMaxMillis();
        this.channel = NettyChannelBuilder.forAddress(address.host(), address.port())
                .usePlaintext()
                // Our callbacks only flip a flag and notify the sender, so they may run on the network thread.
                .directExecutor()
                // Raft retries by itself; gRPC's retries would buffer whole streams and replay stale messages.
                .disableRetry()
                .keepAliveTime(KEEPALIVE_TIME_SECONDS, TimeUnit.SECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .build();
        this.stub = RaftTransportGrpc.newStub(channel).withWaitForReady();
        this.sender = new Thread(this::sendLoop, "flotilla-grpc-" + self + "-to-" + peer);
        this.sender.setDaemon(true);
    }

    /** Returns the peer's address, so an address-book update can tell whether the link must be replaced. */
    PeerAddress address() {
        return address;
    }

    void start() {
        sender.start();
    }

    /**
     * Sends a message to the peer: writes it at once if the stream can take it and nothing waits before it, else
     * queues it for the sender thread, dropping the oldest queued message if the queue is full. Never blocks.
     *
     * @param message the message
     */
    void offer(RaftMessage message) {
        synchronized (sendLock) {
            if (closed) {
                return;
            }
            if (writable != null && !draining && queue.isEmpty() && writable.isReady()) {
                Wire.Envelope envelope = encodeOrDrop(message);
                if (envelope != null && writable.write(envelope)) {
                    counters.sent.incrementAndGet();
                }
                // A failed write is a lost message, which Raft tolerates; the sender reconnects on the next one.
                return;
            }
            if (queue.size() == capacity) {
                queue.poll();
                counters.droppedQueueFull.incrementAndGet();
                if (overflowing.compareAndSet(false, true)) {
                    LOG.log(Level.WARNING, () -> self + ": queue to " + peer + " (" + address + ") is full ("
                            + capacity + " messages); dropping the oldest until it"
                            + " drains. Is " + peer + " down or slow?");
                }
            }
            queue.add(message);
            sendLock.notifyAll();
        }
    }

    /** Starts closing without waiting: stops the sender and the channel. Safe to call from the engine's thread. */
    void closeAsync() {
        synchronized (sendLock) {
            closed = true;
        }
        sender.interrupt();
        channel.shutdownNow();
    }

    /**
     * Waits for the sender thread and the channel to finish, until the deadline.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value
     * @return true if both finished in time
     * @throws InterruptedException if the caller is interrupted
     */
    boolean awaitClosed(long deadlineNanos) throws InterruptedException {
        sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        return channel.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)
                && !sender.isAlive();
    }

    private void sendLoop() {
        OutboundStream stream = null;
        try {
            while (!closed) {
                Wire.Envelope envelope = encodeOrDrop(takeQueued(stream));
                if (envelope == null) {
                    continue;
                }
                try {
                    stream = writableStream(stream);
                    if (stream.write(envelope)) {
                        counters.sent.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    // Unexpected, but one bad moment must not end this peer's link: drop the message, start afresh.
                    LOG.log(Level.ERROR, self + ": sending to " + peer + " failed; opening a new stream", e);
                    if (stream != null) {
                        stream.cancel();
                    }
                    stream = null;
                }
            }
        } catch (InterruptedException e) {
            // close() interrupts the sender: leave quietly, queued messages are dropped as the contract allows.
        } finally {
            if (stream != null) {
                stream.cancel();
            }
        }
    }

    /**
     * Waits for a queued message and takes it. While the queue is empty, the stream last written to is offered to
     * the engine for direct writes; while the sender holds a message, direct writes are off so they cannot overtake.
     */
    private RaftMessage takeQueued(OutboundStream lastWritten) throws InterruptedException {
        synchronized (sendLock) {
            while (queue.isEmpty()) {
                if (draining) {
                    draining = false;
                    writable = lastWritten;
                    if (overflowing.compareAndSet(true, false)) {
                        LOG.log(Level.INFO, () -> self + ": queue to " + peer + " has drained");
                    }
                }
                sendLock.wait();
            }
            draining = true;
            return queue.poll();
        }
    }

    /** Encodes a message, or drops it (returning null) if it cannot be encoded or exceeds maxMessageBytes. */
    private Wire.Envelope encodeOrDrop(RaftMessage message) {
        Wire.Envelope envelope;
        try {
            envelope = EnvelopeEncoder.encode(message);
        } catch (RuntimeException e) {
            long total = counters.droppedInvalid.incrementAndGet();
            if (TransportCounters.worthLogging(total)) {
                LOG.log(Level.WARNING, self + ": dropped a message to " + peer + " that cannot be encoded: "
                        + message + "; " + total + " invalid messages so far", e);
            }
            return null;
        }
        int size = envelope.getSerializedSize();
        if (size > maxMessageBytes) {
            dropOversize(message, size);
            return null;
        }
        return envelope;
    }

    /**
     * Returns a stream that can take a message now: the current one once flow control allows, or, if it has failed or
     * there is none, a new one as soon as the peer can be reached.
     */
    private OutboundStream writableStream(OutboundStream current) throws InterruptedException {
        if (current != null) {
            if (current.awaitWritable()) {
                return current;
            }
            failed(current.failure());
        }
        return connect();
    }

    /**
     * Opens a stream and waits for it to become writable. The call waits for a connection rather than failing while
     * the peer is down; after each backoff interval without one, the channel is told to try again at once, since
     * gRPC's own reconnection schedule (1 s growing to 2 min) is much slower than ours. A stream that fails outright
     * (refused by the peer) is reopened only after the interval, so a persistent refusal cannot make us spin.
     */
    private OutboundStream connect() throws InterruptedException {
        OutboundStream stream = OutboundStream.open(stub);
        while (true) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff.nextDelayMillis());
            if (stream.awaitWritable(deadline)) {
                connected();
                return stream;
            }
            if (stream.failure() != null) {
                failed(stream.failure());
                TimeUnit.NANOSECONDS.sleep(Math.max(0, deadline - System.nanoTime()));
                stream = OutboundStream.open(stub);
            } else if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                unreachable();
            }
            channel.resetConnectBackoff();
        }
    }

    private void connected() {
        backoff.reset();
        if (!reachable) {
            reachable = true;
            LOG.log(Level.INFO, () -> self + ": connected to " + peer + " at " + address);
        }
    }

    private void unreachable() {
        if (reachable && !closed) {
            reachable = false;
            LOG.log(Level.WARNING, () -> self + ": cannot reach " + peer + " at " + address + "; retrying with"
                    + " backoff up to " + maxBackoffMillis + " ms, messages meanwhile wait in a bounded queue");
        }
    }

    private void failed(Status status) {
        counters.streamFailures.incrementAndGet();
        if (closed) {
            return;
        }
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            LOG.log(Level.WARNING, () -> self + ": " + peer + " refused a message (its maxMessageBytes is lower than"
                    + " ours?): " + status.getDescription() + "; reconnecting");
        } else {
            LOG.log(Level.INFO, () -> self + ": stream to " + peer + " ended (" + status.getCode()
                    + (status.getDescription() == null ? "" : ": " + status.getDescription()) + "); reconnecting");
        }
    }

    private void dropOversize(RaftMessage message, int size) {
        long total = counters.droppedOversize.incrementAndGet();
        if (TransportCounters.worthLogging(total)) {
            LOG.log(Level.WARNING, () -> self + ": dropped a " + message.getClass().getSimpleName() + " to " + peer
                    + " of " + size + " bytes, above maxMessageBytes (" + maxMessageBytes + "); " + total
                    + " dropped so far. Lower the engine's maxBytesPerMessage or raise maxMessageBytes.");
        }
    }
}
