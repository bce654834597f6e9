package io.flotilla.raft.transport.grpc;

import static io.flotilla.raft.transport.grpc.SampleMessages.N1;
import static io.flotilla.raft.transport.grpc.SampleMessages.N2;
import static io.flotilla.raft.transport.grpc.SampleMessages.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.TimeoutNowRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two live transports on 127.0.0.1: messages of every kind arrive equal, in order, and both ways. */
@Timeout(30)
class RoundTripTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Inbox inbox1 = new Inbox();
    private final Inbox inbox2 = new Inbox();
    private GrpcTransport t1;
    private GrpcTransport t2;

    @BeforeEach
    void startTwoTransports() {
        Map<io.flotilla.raft.api.NodeId, Integer> ports = Map.of(N1, TestTransports.freePort(),
                N2, TestTransports.freePort());
        t1 = TestTransports.create(N1, ports, Map.of());
        t2 = TestTransports.create(N2, ports, Map.of());
        t1.start(inbox1);
        t2.start(inbox2);
    }

    @AfterEach
    void closeTransports() {
        t1.close();
        t2.close();
    }

    @Test
    void everyMessageKindArrivesEqualInTheOrderSent() throws InterruptedException {
        List<RaftMessage> sent = SampleMessages.everyKind(N1, N2);
        sent.forEach(t1::send);
        for (RaftMessage expected : sent) {
            assertSameMessage(expected, inbox2.next(WAIT));
        }
        assertEquals(sent.size(), t2.stats().received());
    }

    @Test
    void answersFlowTheOtherWayOnTheirOwnStream() throws InterruptedException {
        List<RaftMessage> sent = SampleMessages.everyKind(N2, N1);
        sent.forEach(t2::send);
        for (RaftMessage expected : sent) {
            assertSameMessage(expected, inbox1.next(WAIT));
        }
    }

    @Test
    void aMessageThatCannotBeEncodedIsDroppedAndTheLinkKeepsWorking() throws InterruptedException {
        t1.send(new TimeoutNowRequest(null, N2, 1));    // no sender: cannot be encoded
        t1.send(new TimeoutNowRequest(N1, null, 1));    // no addressee: no link to put it on
        TimeoutNowRequest valid = new TimeoutNowRequest(N1, N2, 2);
        t1.send(valid);
        assertEquals(valid, inbox2.next(WAIT));
        assertEquals(1, t1.stats().droppedInvalid());
        assertEquals(1, t1.stats().droppedUnknownPeer());
    }

    /** Pipelining: the sender streams without waiting for any answer, and nothing is lost or reordered. */
    @Test
    void manyAppendsInFlightArriveInOrderWithoutAnyReply() throws InterruptedException {
        int count = 1_000;
        for (int i = 1; i <= count; i++) {
            t1.send(new AppendEntriesRequest(N1, N2, 1, i - 1, 1, List.of(LogEntry.command(i, 1, new byte[100])),
                    i - 1, i));
        }
        for (int i = 1; i <= count; i++) {
            AppendEntriesRequest received = (AppendEntriesRequest) inbox2.next(WAIT);
            assertEquals(i, received.readRound());
        }
        assertTrue(inbox1.isEmpty(), "nothing was sent back");
        assertEquals(0, t1.stats().droppedQueueFull());
    }
}
