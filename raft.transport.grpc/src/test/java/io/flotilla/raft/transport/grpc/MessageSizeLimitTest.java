package io.flotilla.raft.transport.grpc;

import static io.flotilla.raft.transport.grpc.SampleMessages.N1;
import static io.flotilla.raft.transport.grpc.SampleMessages.N2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.ReadIndexRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** maxMessageBytes is enforced by the sender and by the receiver; a refused message never stops the later ones. */
@Timeout(30)
class MessageSizeLimitTest {

    private static final String LIMIT_64_KIB = String.valueOf(64 * 1024);

    private static AppendEntriesRequest oversize() {
        return new AppendEntriesRequest(N1, N2, 1, 0, 0, List.of(LogEntry.command(1, 1, new byte[100 * 1024])), 0, 1);
    }

    @Test
    void theSenderDropsAnOversizeMessageAndDeliversTheNextOne() throws InterruptedException {
        Map<NodeId, Integer> ports = Map.of(N1, TestTransports.freePort(), N2, TestTransports.freePort());
        Inbox inbox2 = new Inbox();
        try (GrpcTransport t1 = TestTransports.create(N1, ports,
                Map.of(GrpcTransportOptions.MAX_MESSAGE_BYTES, LIMIT_64_KIB));
             GrpcTransport t2 = TestTransports.create(N2, ports, Map.of())) {
            t1.start(new Inbox());
            t2.start(inbox2);

            t1.send(oversize());
            ReadIndexRequest next = new ReadIndexRequest(N1, N2, 1, 7);
            t1.send(next);

            assertEquals(next, inbox2.next(Duration.ofSeconds(10)), "the oversize message must not arrive");
            assertEquals(1, t1.stats().droppedOversize());
            assertEquals(0, t1.stats().streamFailures(), "a dropped message does not disturb the stream");
        }
    }

    @Test
    void theReceiverRefusesAMessageAboveItsLimitAndLaterMessagesStillArrive() throws InterruptedException {
        Map<NodeId, Integer> ports = Map.of(N1, TestTransports.freePort(), N2, TestTransports.freePort());
        Inbox inbox2 = new Inbox();
        GrpcTransport t2 = TestTransports.create(N2, ports,
                Map.of(GrpcTransportOptions.MAX_MESSAGE_BYTES, LIMIT_64_KIB));
        try (GrpcTransport t1 = TestTransports.create(N1, ports, Map.of())) {
            t1.start(new Inbox());
            t2.start(inbox2);

            t1.send(oversize());
            // gRPC resets the stream that carried it; n1 reconnects. Messages written before n1 noticed are lost
            // with it, so keep sending, as Raft would, until one arrives.
            RaftMessage arrived = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            for (long id = 1; arrived == null && System.nanoTime() < deadline; id++) {
                t1.send(new ReadIndexRequest(N1, N2, 1, id));
                arrived = inbox2.poll(Duration.ofMillis(50));
            }
            assertNotNull(arrived, "no message arrived after the refused one");
            assertInstanceOf(ReadIndexRequest.class, arrived, "the oversize message must not arrive");
            assertTrue(t1.stats().streamFailures() >= 1, t1.stats().toString());
        } finally {
            t2.close();
        }
        // close() waited for the server, so its stream callbacks, including the tracer's, have all run.
        assertEquals(1, t2.stats().rejectedInboundOversize(), t2.stats().toString());
    }
}
