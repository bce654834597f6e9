package io.flotilla.raft.transport.grpc;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftException;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.MessageHandler;
import io.flotilla.raft.api.spi.Transport;
import io.flotilla.raft.api.spi.TransportContext;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Transport} over gRPC: a server on the listen address receives every peer's stream of messages, and one
 * {@link PeerLink} per peer (channel, bounded queue, sender thread) streams ours to it. See
 * {@code docs/transport-grpc.md} for the protocol and the behaviour under failures.
 *
 * <p>{@link #send(RaftMessage)} only looks the peer up and queues, so it is safe on the engine's event loop.
 * {@link #updatePeers(Map)} and {@link #close()} may be called from any thread.
 */
public final class GrpcTransport implements Transport {

    private static final System.Logger LOG = System.getLogger(GrpcTransport.class.getName());
    /** Peers ping idle connections every 10 s ({@link PeerLink}); the server must accept pings at least that often. */
    private static final long KEEPALIVE_PERMIT_SECONDS = 5;

    private enum State { NEW, STARTED, CLOSED }

    private final NodeId self;
    private final PeerAddress listenAddress;
    private final GrpcTransportOptions options;
    private final TransportCounters counters = new TransportCounters();
    /** Read without locking by {@link #send}; changed under {@link #lifecycle}. */
    private final Map<NodeId, PeerLink> links = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private Map<NodeId, PeerAddress> addressBook;
    private State state = State.NEW;
    private Server server;

    private GrpcTransport(NodeId self, PeerAddress listenAddress, Map<NodeId, PeerAddress> addressBook,
                          GrpcTransportOptions options) {
        this.self = self;
        this.listenAddress = listenAddress;
        this.addressBook = addressBook;
        this.options = options;
    }

    /**
     * Validates the context and creates a transport, not yet started (nothing is opened until {@link #start}).
     *
     * @param context the member, its listen address, its peers and the options
     * @return the transport
     * @throws IllegalArgumentException for an unknown option or invalid value, or an invalid address (naming whose)
     * @throws IllegalStateException    if the launcher left a module gRPC needs out of the module graph
     */
    static GrpcTransport create(TransportContext context) {
        ModulePathCheck.requireGrpcRuntime();
        GrpcTransportOptions options = GrpcTransportOptions.parse(context.options());
        PeerAddress listen = PeerAddress.parse(context.listenAddress(), "the listen address of " + context.self(),
                true);
        return new GrpcTransport(context.self(), listen, addresses(context.self(), context.peers()), options);
    }

    /**
     * Starts the server and one link per peer.
     *
     * @throws RaftException if the listen address cannot be bound (e.g. it is in use)
     * @throws IllegalStateException if already started or closed
     */
    @Override
    public void start(MessageHandler handler) {
        synchronized (lifecycle) {
            if (state != State.NEW) {
                throw new IllegalStateException(self + ": the grpc transport is " + state.name().toLowerCase()
                        + "; start() may be called once");
            }
            Server s = NettyServerBuilder.forAddress(new InetSocketAddress(listenAddress.host(), listenAddress.port()))
                    .addService(new InboundService(self, handler, counters))
                    // Decoding a message and handing it to the engine's queue never blocks: do it on the network
                    // thread rather than pay a hand-off to gRPC's default pool for every message.
                    .directExecutor()
                    .addStreamTracerFactory(new InboundSizeLimitTracer(self, options.maxMessageBytes(), counters))
                    .maxInboundMessageSize(options.maxMessageBytes())
                    .permitKeepAliveTime(KEEPALIVE_PERMIT_SECONDS, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true)
                    .build();
            try {
                s.start();
            } catch (IOException e) {
                s.shutdownNow();
                throw new RaftException(self + ": the grpc transport cannot listen on " + listenAddress + ": "
                        + e.getMessage(), e);
            }
            server = s;
            state = State.STARTED;
            addressBook.forEach(this::openLink);
            LOG.log(Level.INFO, () -> self + ": grpc transport listening on " + listenAddress + ", peers "
                    + addressBook);
        }
    }

    @Override
    public void send(RaftMessage message) {
        // A null addressee would make the map throw into the engine's loop; treat it as an unknown peer instead.
        PeerLink link = message.to() == null ? null : links.get(message.to());
        if (link != null) {
            link.offer(message);
            return;
        }
        long total = counters.droppedUnknownPeer.incrementAndGet();
        if (TransportCounters.worthLogging(total)) {
            LOG.log(Level.DEBUG, () -> self + ": no link to " + message.to() + " (unknown peer, or transport not"
                    + " started or closed); " + total + " such messages dropped so far");
        }
    }

    /**
     * Replaces the address book: new peers get a link, removed peers' links close, and a peer whose address changed
     * gets a new link. Does not wait for old links to finish, so it is safe on the engine's thread.
     *
     * @throws IllegalArgumentException naming the first peer with an invalid address; nothing changes then
     */
    @Override
    public void updatePeers(Map<NodeId, String> peers) {
        Map<NodeId, PeerAddress> parsed = addresses(self, peers);
        List<PeerLink> retired = new ArrayList<>();
        synchronized (lifecycle) {
            addressBook = parsed;
            if (state != State.STARTED) {
                return;
            }
            for (Map.Entry<NodeId, PeerLink> e : links.entrySet()) {
                if (!e.getValue().address().equals(parsed.get(e.getKey()))) {
                    retired.add(e.getValue());
                    links.remove(e.getKey());
                }
            }
            parsed.forEach((peer, address) -> {
                if (!links.containsKey(peer)) {
                    openLink(peer, address);
                }
            });
        }
        retired.forEach(PeerLink::closeAsync);
    }

    /**
     * Stops the server and every link at once, then waits for them up to {@code closeTimeoutMillis}. Queued messages
     * are dropped. Idempotent.
     */
    @Override
    public void close() {
        Server s;
        List<PeerLink> retired;
        synchronized (lifecycle) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            s = server;
            retired = new ArrayList<>(links.values());
            links.clear();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.closeTimeoutMillis());
        if (s != null) {
            s.shutdownNow();
        }
        retired.forEach(PeerLink::closeAsync);
        boolean finished = true;
        try {
            if (s != null) {
                finished = s.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            for (PeerLink link : retired) {
                finished &= link.awaitClosed(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            LOG.log(Level.WARNING, () -> self + ": grpc transport not fully stopped within closeTimeoutMillis ("
                    + options.closeTimeoutMillis() + "); leftover threads are daemons and end with their sockets");
        }
    }

    /**
     * Returns the transport's counters: messages sent and received, and every kind of drop.
     *
     * @return a snapshot
     */
    public TransportStats stats() {
        return counters.snapshot(links.size());
    }

    private void openLink(NodeId peer, PeerAddress address) {
        PeerLink link = new PeerLink(self, peer, address, options, counters);
        links.put(peer, link);
        link.start();
    }

    /** Parses every peer's address, skipping this member if listed, and fails naming the first invalid one. */
    private static Map<NodeId, PeerAddress> addresses(NodeId self, Map<NodeId, String> peers) {
        Map<NodeId, PeerAddress> parsed = new HashMap<>();
        new TreeMap<>(peers).forEach((peer, address) -> {
            if (!peer.equals(self)) {
                parsed.put(peer, PeerAddress.parse(address, "peer " + peer, false));
            }
        });
        return Map.copyOf(parsed);
    }
}
