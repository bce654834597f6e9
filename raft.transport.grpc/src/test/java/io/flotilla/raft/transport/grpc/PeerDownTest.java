package io.flotilla.raft.transport.grpc;

import static io.flotilla.raft.transport.grpc.SampleMessages.N1;
import static io.flotilla.raft.transport.grpc.SampleMessages.N2;
import static io.flotilla.raft.transport.grpc.SampleMessages.N3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.RequestVoteRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A member that is down never slows the sender nor the messages to the members that are up. */
@Timeout(30)
class PeerDownTest {

    @Test
    void sendsToADownPeerReturnAtOnceAndAHealthyPeerStillGetsItsMessages() throws InterruptedException {
        // n2's port has no listener: every connection attempt is refused.
        Map<NodeId, Integer> ports = Map.of(N1, TestTransports.freePort(), N2, TestTransports.freePort(),
                N3, TestTransports.freePort());
        Inbox inbox3 = new Inbox();
        try (GrpcTransport t1 = TestTransports.create(N1, ports, Map.of(GrpcTransportOptions.QUEUE_CAPACITY, "64"));
             GrpcTransport t3 = TestTransports.create(N3, ports, Map.of())) {
            t1.start(new Inbox());
            t3.start(inbox3);

            int sends = 20_000;
            long started = System.nanoTime();
            for (int i = 0; i < sends; i++) {
                t1.send(new AppendEntriesRequest(N1, N2, 1, i, 1, List.of(), 0, i));
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(elapsed.compareTo(Duration.ofMillis(500)) < 0,
                    sends + " sends to a down peer took " + elapsed + "; send() must not wait for the peer");

            RaftMessage toHealthyPeer = new RequestVoteRequest(N1, N3, 2, 5, 1, false, false);
            t1.send(toHealthyPeer);
            assertEquals(toHealthyPeer, inbox3.next(Duration.ofSeconds(10)));

            // The down peer's queue holds at most 64 (one more may be held by its sender): the rest were dropped.
            assertTrue(t1.stats().droppedQueueFull() >= sends - 65, t1.stats().toString());
        }
    }
}
