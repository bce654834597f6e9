package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.MessageHandler;
import io.flotilla.raft.api.spi.Transport;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-JVM network for runtime tests. Each member gets a {@link Transport} from {@link #transport}; messages are
 * delivered asynchronously, in the order sent, by one delivery thread (handlers only enqueue, as the contract asks).
 * A member can be cut off with {@link #isolate}: every message to or from it is dropped, as by a partition.
 */
final class InMemoryNetwork implements AutoCloseable {

    private final Map<NodeId, MessageHandler> handlers = new ConcurrentHashMap<>();
    private final Set<NodeId> isolated = ConcurrentHashMap.newKeySet();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "in-memory-network");
        t.setDaemon(true);
        return t;
    });
    final AtomicLong delivered = new AtomicLong();
    /** A sender's next message matching this is held (see {@link #holdNextSend}); taken by that send. */
    private volatile java.util.function.Predicate<RaftMessage> holdIf;
    private volatile CountDownLatch holding;
    private CountDownLatch releaseGate;
    final AtomicLong dropped = new AtomicLong();

    /** Creates the transport of one member; a restarted member gets a new one, which replaces the old. */
    Endpoint transport(NodeId self) {
        return new Endpoint(self);
    }

    /**
     * Makes the next send of a matching message block the sending thread (the member's event loop) until
     * {@link #releaseSends()}: a way to keep a member's loop busy. A transport must never block its caller; this one
     * does on purpose. Returns a latch that opens once a sender is held.
     */
    synchronized CountDownLatch holdNextSend(java.util.function.Predicate<RaftMessage> which) {
        releaseGate = new CountDownLatch(1);
        holding = new CountDownLatch(1);
        holdIf = which;
        return holding;
    }

    /** Lets a sender held by {@link #holdNextSend} go on. */
    synchronized void releaseSends() {
        if (releaseGate != null) {
            releaseGate.countDown();
        }
    }

    private void maybeHold(RaftMessage message) {
        CountDownLatch g;
        synchronized (this) {
            java.util.function.Predicate<RaftMessage> which = holdIf;
            if (which == null || !which.test(message)) {
                return;
            }
            holdIf = null;
            g = releaseGate;
            holding.countDown();
        }
        try {
            if (!g.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("a held send was never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void isolate(NodeId id) {
        isolated.add(id);
    }

    void heal(NodeId id) {
        isolated.remove(id);
    }

    private boolean cut(RaftMessage m) {
        return isolated.contains(m.from()) || isolated.contains(m.to());
    }

    @Override
    public void close() throws InterruptedException {
        delivery.shutdownNow();
        delivery.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** One member's transport. */
    final class Endpoint implements Transport {
        private final NodeId self;
        private volatile MessageHandler handler;
        volatile boolean started;
        volatile boolean closed;

        private Endpoint(NodeId self) {
            this.self = self;
        }

        @Override
        public void start(MessageHandler handler) {
            this.handler = handler;
            this.started = true;
            handlers.put(self, handler);
        }

        @Override
        public void send(RaftMessage message) {
            maybeHold(message);
            if (closed || cut(message)) {
                dropped.incrementAndGet();
                return;
            }
            try {
                delivery.execute(() -> {
                    MessageHandler to = handlers.get(message.to());
                    if (to == null || cut(message)) {
                        dropped.incrementAndGet();
                        return;
                    }
                    delivered.incrementAndGet();
                    to.onMessage(message);
                });
            } catch (RejectedExecutionException e) {
                dropped.incrementAndGet(); // the network is shut down
            }
        }

        @Override
        public void updatePeers(Map<NodeId, String> peers) {
            // Everyone is reachable by id in this network.
        }

        @Override
        public void close() {
            closed = true;
            MessageHandler h = handler;
            if (h != null) {
                handlers.remove(self, h);
            }
        }
    }
}
