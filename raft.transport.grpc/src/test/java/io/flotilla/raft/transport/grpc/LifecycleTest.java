package io.flotilla.raft.transport.grpc;

import static io.flotilla.raft.transport.grpc.SampleMessages.N1;
import static io.flotilla.raft.transport.grpc.SampleMessages.N2;
import static io.flotilla.raft.transport.grpc.SampleMessages.N3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftException;
import io.flotilla.raft.api.message.TimeoutNowRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** start, updatePeers and close: bounded, idempotent, and clear about misuse. */
@Timeout(30)
class LifecycleTest {

    @Test
    void closeIsPromptAndIdempotentEvenWithAPeerDown() {
        Map<NodeId, Integer> ports = Map.of(N1, TestTransports.freePort(), N2, TestTransports.freePort());
        GrpcTransport transport = TestTransports.create(N1, ports, Map.of());
        transport.start(new Inbox());
        for (int i = 0; i < 1000; i++) {
            transport.send(new TimeoutNowRequest(N1, N2, i));
        }
        long started = System.nanoTime();
        transport.close();
        transport.close();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(elapsed.compareTo(Duration.ofSeconds(2)) < 0, "close took " + elapsed);
        transport.send(new TimeoutNowRequest(N1, N2, 1));   // after close: dropped, no exception
        assertThrows(IllegalStateException.class, () -> transport.start(new Inbox()));
    }

    @Test
    void aTransportNeverStartedClosesWithoutError() {
        GrpcTransport transport = TestTransports.create(N1, Map.of(N1, TestTransports.freePort()), Map.of());
        transport.close();
        transport.close();
    }

    @Test
    void startingTwiceIsRefused() {
        try (GrpcTransport transport = TestTransports.create(N1, Map.of(N1, TestTransports.freePort()), Map.of())) {
            transport.start(new Inbox());
            assertThrows(IllegalStateException.class, () -> transport.start(new Inbox()));
        }
    }

    @Test
    void aListenAddressInUseFailsStartNamingTheAddress() {
        Map<NodeId, Integer> ports = Map.of(N1, TestTransports.freePort());
        try (GrpcTransport first = TestTransports.create(N1, ports, Map.of());
             GrpcTransport second = TestTransports.create(N1, ports, Map.of())) {
            first.start(new Inbox());
            RaftException e = assertThrows(RaftException.class, () -> second.start(new Inbox()));
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + ports.get(N1)), e.getMessage());
        }
    }

    @Test
    void updatePeersOpensLinksToNewPeersAndClosesRemovedOnes() throws InterruptedException {
        Map<NodeId, Integer> ports = Map.of(N1, TestTransports.freePort(), N2, TestTransports.freePort(),
                N3, TestTransports.freePort());
        Inbox inbox3 = new Inbox();
        try (GrpcTransport t1 = TestTransports.create(N1, Map.of(N1, ports.get(N1), N2, ports.get(N2)), Map.of());
             GrpcTransport t3 = TestTransports.create(N3, ports, Map.of())) {
            t1.start(new Inbox());
            t3.start(inbox3);
            assertEquals(1, t1.stats().peers());
            t1.send(new TimeoutNowRequest(N1, N3, 1));
            assertEquals(1, t1.stats().droppedUnknownPeer(), "n3 is not a peer yet");

            t1.updatePeers(Map.of(N3, TestTransports.address(ports.get(N3))));
            assertEquals(1, t1.stats().peers(), "n2 removed, n3 added");
            TimeoutNowRequest toNewPeer = new TimeoutNowRequest(N1, N3, 2);
            t1.send(toNewPeer);
            assertEquals(toNewPeer, inbox3.next(Duration.ofSeconds(10)));

            t1.send(new TimeoutNowRequest(N1, N2, 3));
            assertEquals(2, t1.stats().droppedUnknownPeer(), "n2 was removed");
        }
    }
}
