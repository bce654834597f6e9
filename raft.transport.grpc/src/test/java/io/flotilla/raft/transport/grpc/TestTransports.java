package io.flotilla.raft.transport.grpc;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.spi.TransportContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/** Creates transports on 127.0.0.1 for tests. */
final class TestTransports {

    /** Reconnect fast, so tests that restart a peer do not wait for the production backoff. */
    static final Map<String, String> FAST_RECONNECT = Map.of(
            GrpcTransportOptions.RECONNECT_BACKOFF_MIN_MILLIS, "10",
            GrpcTransportOptions.RECONNECT_BACKOFF_MAX_MILLIS, "200");

    private TestTransports() {
    }

    /** Returns a port that was free a moment ago on 127.0.0.1. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String address(int port) {
        return "127.0.0.1:" + port;
    }

    /**
     * Creates (does not start) a transport.
     *
     * @param self    the member
     * @param ports   every member's port, including {@code self}'s
     * @param options transport options, on top of {@link #FAST_RECONNECT}
     */
    static GrpcTransport create(NodeId self, Map<NodeId, Integer> ports, Map<String, String> options) {
        Map<NodeId, String> peers = new HashMap<>();
        ports.forEach((id, port) -> peers.put(id, address(port)));
        String listen = peers.remove(self);
        Map<String, String> all = new HashMap<>(FAST_RECONNECT);
        all.putAll(options);
        return GrpcTransport.create(new TransportContext(self, listen, peers, all));
    }
}
