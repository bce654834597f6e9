package io.flotilla.raft.transport.grpc;

import static io.flotilla.raft.transport.grpc.SampleMessages.N1;
import static io.flotilla.raft.transport.grpc.SampleMessages.N2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.spi.TransportContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Invalid configuration fails at create(), before anything is opened, with a message that says what to fix. */
class OptionsAndAddressesTest {

    private static TransportContext context(String listen, Map<NodeId, String> peers, Map<String, String> options) {
        return new TransportContext(N1, listen, peers, options);
    }

    private static IllegalArgumentException createFails(TransportContext context) {
        return assertThrows(IllegalArgumentException.class, () -> new GrpcTransportProvider().create(context));
    }

    @Test
    void anUnknownOptionIsRefusedListingTheKnownOnes() {
        IllegalArgumentException e = createFails(context("127.0.0.1:7001", Map.of(), Map.of("maxMesageBytes", "10")));
        assertTrue(e.getMessage().contains("unknown option 'maxMesageBytes'"), e.getMessage());
        for (String known : GrpcTransportOptions.NAMES) {
            assertTrue(e.getMessage().contains(known), e.getMessage());
        }
    }

    @Test
    void invalidValuesAreAllReportedWithTheirRange() {
        IllegalArgumentException e = createFails(context("127.0.0.1:7001", Map.of(), Map.of(
                GrpcTransportOptions.QUEUE_CAPACITY, "lots",
                GrpcTransportOptions.MAX_MESSAGE_BYTES, "10",
                GrpcTransportOptions.RECONNECT_BACKOFF_MIN_MILLIS, "500",
                GrpcTransportOptions.RECONNECT_BACKOFF_MAX_MILLIS, "100")));
        assertTrue(e.getMessage().contains("queueCapacity must be an integer from 1"), e.getMessage());
        assertTrue(e.getMessage().contains("got 'lots'"), e.getMessage());
        assertTrue(e.getMessage().contains("maxMessageBytes must be an integer from 1024"), e.getMessage());
        assertTrue(e.getMessage().contains("reconnectBackoffMaxMillis (100) must not be below"), e.getMessage());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        GrpcTransportOptions defaults = GrpcTransportOptions.defaults();
        assertEquals(16 * 1024 * 1024, defaults.maxMessageBytes());
        assertEquals(4096, defaults.queueCapacity());
        assertEquals(50, defaults.reconnectBackoffMinMillis());
        assertEquals(2000, defaults.reconnectBackoffMaxMillis());
        assertEquals(2000, defaults.closeTimeoutMillis());
    }

    @Test
    void aBadPeerAddressIsRefusedNamingThePeer() {
        for (String bad : new String[] {"127.0.0.1", "127.0.0.1:", ":7002", "127.0.0.1:http", "127.0.0.1:70000",
                "127.0.0.1:0", "::1:7002", "my host:7002"}) {
            IllegalArgumentException e = createFails(context("127.0.0.1:7001", Map.of(N2, bad), Map.of()));
            assertTrue(e.getMessage().contains("peer n2"), e.getMessage());
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void aBadListenAddressIsRefusedNamingTheMember() {
        IllegalArgumentException e = createFails(context("localhost", Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("listen address of n1"), e.getMessage());
    }

    @Test
    void validAddressFormsAreAccepted() {
        assertEquals(new PeerAddress("::1", 7001), PeerAddress.parse("[::1]:7001", "peer n2", false));
        assertEquals(new PeerAddress("node-2.example.com", 7002),
                PeerAddress.parse(" node-2.example.com:7002 ", "peer n2", false));
        assertEquals(new PeerAddress("0.0.0.0", 0), PeerAddress.parse("0.0.0.0:0", "listen address", true));
        assertEquals("[::1]:7001", new PeerAddress("::1", 7001).toString());
    }

    @Test
    void updatePeersRefusesABadAddressNamingThePeer() {
        try (GrpcTransport transport = GrpcTransport.create(context("127.0.0.1:7001", Map.of(), Map.of()))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> transport.updatePeers(Map.of(N2, "nowhere")));
            assertTrue(e.getMessage().contains("peer n2"), e.getMessage());
        }
    }
}
