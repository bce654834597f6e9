package io.flotilla.raft.transport.grpc;

import static io.flotilla.raft.transport.grpc.SampleMessages.N1;
import static io.flotilla.raft.transport.grpc.SampleMessages.N2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.ReadIndexRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A peer that restarts on the same port is reached again without any help from the engine. */
@Timeout(30)
class ReconnectTest {

    @Test
    void messagesFlowAgainAfterThePeerRestartsOnTheSamePort() throws InterruptedException {
        Map<NodeId, Integer> ports = Map.of(N1, TestTransports.freePort(), N2, TestTransports.freePort());
        try (GrpcTransport t1 = TestTransports.create(N1, ports, Map.of())) {
            t1.start(new Inbox());

            Inbox before = new Inbox();
            GrpcTransport t2 = TestTransports.create(N2, ports, Map.of());
            t2.start(before);
            ReadIndexRequest first = new ReadIndexRequest(N1, N2, 1, 1);
            t1.send(first);
            assertEquals(first, before.next(Duration.ofSeconds(10)));
            t2.close();

            Inbox after = new Inbox();
            try (GrpcTransport restarted = TestTransports.create(N2, ports, Map.of())) {
                restarted.start(after);
                // Like a leader's heartbeats: keep sending until one gets through. A message written just before
                // n1 noticed the restart is lost, which Raft tolerates; the point is that later ones arrive.
                RaftMessage arrived = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                for (long id = 2; arrived == null && System.nanoTime() < deadline; id++) {
                    t1.send(new ReadIndexRequest(N1, N2, 1, id));
                    arrived = after.poll(Duration.ofMillis(50));
                }
                assertNotNull(arrived, "no message reached the restarted peer");
                assertEquals(N2, arrived.to());
            }
        }
    }
}
