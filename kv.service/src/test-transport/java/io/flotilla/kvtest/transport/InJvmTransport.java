package io.flotilla.kvtest.transport;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftException;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.MessageHandler;
import io.flotilla.raft.api.spi.Transport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * One member's end of the in-JVM network: a registry maps listen addresses to running transports, and each transport
 * delivers its inbound messages on its own thread, in arrival order. Sending to a member that is not running drops
 * the message, as a network would.
 */
final class InJvmTransport implements Transport {

    private static final Map<String, InJvmTransport> LISTENING = new ConcurrentHashMap<>();

    private final NodeId self;
    private final String address;
    private volatile Map<NodeId, String> peers;
    private final ExecutorService inbound;
    private volatile MessageHandler handler;
    private volatile boolean closed;

    InJvmTransport(NodeId self, String address, Map<NodeId, String> peers) {
        this.self = self;
        this.address = address;
        this.peers = Map.copyOf(peers);
        this.inbound = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "in-jvm-transport-" + self);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void start(MessageHandler messageHandler) {
        this.handler = messageHandler;
        if (LISTENING.putIfAbsent(address, this) != null) {
            throw new RaftException("in-jvm address " + address + " is already in use");
        }
    }

    @Override
    public void send(RaftMessage message) {
        String to = peers.get(message.to());
        InJvmTransport target = to == null ? null : LISTENING.get(to);
        if (target != null && !closed) {
            target.deliver(message);
        }
    }

    private void deliver(RaftMessage message) {
        try {
            inbound.execute(() -> {
                MessageHandler h = handler;
                if (!closed && h != null) {
                    h.onMessage(message);
                }
            });
        } catch (RejectedExecutionException stopped) {
            // The receiver closed between lookup and delivery: the message is lost, which Raft tolerates.
        }
    }

    @Override
    public void updatePeers(Map<NodeId, String> newPeers) {
        this.peers = Map.copyOf(newPeers);
    }

    @Override
    public void close() {
        closed = true;
        LISTENING.remove(address, this);
        inbound.shutdownNow();
    }

    @Override
    public String toString() {
        return "InJvmTransport[" + self + "@" + address + "]";
    }
}
