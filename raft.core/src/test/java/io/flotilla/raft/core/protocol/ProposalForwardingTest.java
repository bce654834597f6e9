package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.ProtocolCluster.is;
import static io.flotilla.raft.core.protocol.ProtocolCluster.to;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.ProposeRequest;
import io.flotilla.raft.api.message.ProposeResponse;
import io.flotilla.raft.api.message.RaftMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proposals on a follower go to the leader inside Raft (etcd raft's MsgProp): batched per {@link RaftProtocol#ready()},
 * appended by the leader in order, answered with where they are; never appended twice however the network repeats or
 * reorders requests; refused when no leader can take them; and an answer from a since-deposed leader still counts.
 */
class ProposalForwardingTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ProtocolCluster leaderN1() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.settle();
        return c;
    }

    private static List<String> commandsIn(List<LogEntry> entries) {
        return entries.stream().filter(e -> e.kind() == io.flotilla.raft.api.EntryKind.COMMAND)
                .map(e -> new String(e.payload(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void proposalsOnAFollowerGoToTheLeaderInOneMessageAndArePlacedInOrder() {
        ProtocolCluster c = leaderN1();
        ProposalResult a = c.p("n2").proposeOrForward(7, bytes("a"));
        ProposalResult b = c.p("n2").proposeOrForward(8, bytes("b"));
        assertTrue(a.forwarded() && b.forwarded(), "a follower that knows the leader forwards: " + a + ", " + b);
        assertEquals(N1, a.leader());
        c.process("n2");

        List<RaftMessage> requests = c.inFlight(is(ProposeRequest.class));
        assertEquals(1, requests.size(), "both proposals in one request: " + requests);
        ProposeRequest request = (ProposeRequest) requests.get(0);
        assertEquals(N1, request.to());
        assertEquals(2, request.commands().size());

        long firstIndex = c.p("n1").lastIndex() + 1;
        c.settle();
        assertEquals(List.of(new Ready.Forwarded(List.of(7L, 8L), true, firstIndex, c.p("n1").term(), null, false)),
                c.m("n2").forwarded, "the leader says where it put them");
        assertEquals(List.of("a", "b"), commandsIn(c.m("n2").committed), "committed in the order proposed");
        assertEquals(List.of("a", "b"), commandsIn(c.m("n1").committed));
    }

    @Test
    void theAnswerReachesTheFollowerBeforeTheEntriesItNames() {
        ProtocolCluster c = leaderN1();
        c.p("n2").proposeOrForward(1, bytes("x"));
        c.process("n2");
        c.deliverOnce(is(ProposeRequest.class));
        List<RaftMessage> toN2 = c.inFlight(to("n2"));
        int answer = indexOf(toN2, ProposeResponse.class);
        int append = -1;
        for (int i = 0; i < toN2.size(); i++) {
            if (toN2.get(i) instanceof AppendEntriesRequest ae && !ae.entries().isEmpty()) {
                append = i;
                break;
            }
        }
        assertTrue(answer >= 0 && append > answer, "on an ordered transport the follower must learn the place before"
                + " it can apply the entry: " + toN2);
    }

    @Test
    void aRepeatedRequestIsAppendedOnceAndNotAnswered() {
        ProtocolCluster c = leaderN1();
        c.p("n2").proposeOrForward(1, bytes("once"));
        c.process("n2");
        ProposeRequest request = (ProposeRequest) c.inFlight(is(ProposeRequest.class)).get(0);
        c.settle();
        long last = c.p("n1").lastIndex();

        c.step("n1", request); // the network delivers it again
        assertEquals(last, c.p("n1").lastIndex(), "a repeat must not append the commands again");
        assertTrue(c.inFlight(is(ProposeResponse.class)).isEmpty(),
                "no answer to a repeat: a refusal could overtake the original's answer and report appended commands"
                        + " as not appended");
        c.settle();
        assertEquals(List.of("once"), commandsIn(c.m("n1").committed));
    }

    @Test
    void aRepeatFromBeforeTheFollowerRestartedIsStillRecognized() {
        ProtocolCluster c = leaderN1();
        c.p("n2").proposeOrForward(1, bytes("old session"));
        c.process("n2");
        ProposeRequest old = (ProposeRequest) c.inFlight(is(ProposeRequest.class)).get(0);
        c.settle();
        c.restart("n2");
        c.heartbeat("n1");
        c.p("n2").proposeOrForward(2, bytes("new session"));
        c.process("n2");
        c.settle(); // the leader now knows n2's new session too
        long last = c.p("n1").lastIndex();

        c.step("n1", old);
        assertEquals(last, c.p("n1").lastIndex(), "the old session's batch was appended once already");
        c.settle();
        assertEquals(List.of("old session", "new session"), commandsIn(c.m("n1").committed));
    }

    @Test
    void aDeposedLeaderNeverRefusesARepeatOfABatchItMayHaveAppended() {
        ProtocolCluster c = leaderN1();
        c.p("n2").proposeOrForward(1, bytes("appended"));
        c.process("n2");
        ProposeRequest request = (ProposeRequest) c.inFlight(is(ProposeRequest.class)).get(0);
        c.settle();
        c.campaign("n3"); // n1 now follows n3 in a later term

        c.step("n1", request); // the network delivers the old request again, late
        assertTrue(c.inFlight(is(ProposeResponse.class)).isEmpty(), "a refusal would tell n2 that an appended (and"
                + " committed) command had no effect");
    }

    @Test
    void aFollowerOfAnotherLeaderInTheSameTermRefusesForCertain() {
        ProtocolCluster c = leaderN1();
        long term = c.p("n1").term();
        // n3 follows n1 in this term, so it never led it: it can promise that it appended nothing.
        c.step("n3", new ProposeRequest(N2, NodeId.of("n3"), term, 9, 0, List.of(bytes("x"))));
        List<RaftMessage> answers = c.inFlight(is(ProposeResponse.class));
        assertEquals(1, answers.size());
        assertFalse(((ProposeResponse) answers.get(0)).accepted());
    }

    @Test
    void batchesThatOvertakeEachOtherAreEachAppendedOnce() {
        ProtocolCluster c = leaderN1();
        c.p("n2").proposeOrForward(1, bytes("first"));
        c.process("n2");
        c.p("n2").proposeOrForward(2, bytes("second"));
        c.process("n2");
        List<RaftMessage> requests = c.inFlight(is(ProposeRequest.class));
        assertEquals(2, requests.size());
        c.drop(is(ProposeRequest.class));

        c.step("n1", requests.get(1));
        c.step("n1", requests.get(0)); // overtaken, not a repeat: still appended
        c.step("n1", requests.get(1)); // a repeat
        c.settle();
        assertEquals(List.of("second", "first"), commandsIn(c.m("n1").committed));
        assertEquals(2, c.m("n2").forwarded.size());
        assertTrue(c.m("n2").forwarded.stream().allMatch(Ready.Forwarded::placed), c.m("n2").forwarded.toString());
    }

    @Test
    void aFollowerWithoutLeaderRefusesAndALeaderInTransferRefusesForwardedProposals() {
        ProtocolCluster c = ProtocolCluster.of(3);
        ProposalResult noLeader = c.p("n2").proposeOrForward(1, bytes("x"));
        assertFalse(noLeader.accepted() || noLeader.forwarded(), "no leader known: refused at once");

        c.elect("n1");
        c.settle();
        c.p("n1").transferLeadership(NodeId.of("n3"));
        c.p("n2").proposeOrForward(2, bytes("y"));
        c.process("n2");
        ProposeRequest request = (ProposeRequest) c.inFlight(is(ProposeRequest.class)).get(0);
        c.deliverOnce(is(ProposeRequest.class));
        c.deliverOnce(is(ProposeResponse.class));
        assertEquals(List.of(new Ready.Forwarded(List.of(2L), false, 0, 0, N1, false)), c.m("n2").forwarded,
                "thesis §3.10: a leader handing over appends nothing; the refusal is certain, so retrying is safe");

        // The transfer is abandoned (n3 never answers); then the network delivers the refused request again.
        c.drop(m -> true);
        c.isolate("n3");
        c.tickUntil("n1", p -> p.transferTarget() == null, c.options.electionTimeoutMaxTicks() * 2);
        assertEquals(io.flotilla.raft.api.RaftRole.LEADER, c.p("n1").role());
        long last = c.p("n1").lastIndex();
        c.step("n1", request);
        assertEquals(last, c.p("n1").lastIndex(), "a repeat of a refused batch must not be appended: its proposer"
                + " was told it had no effect");
    }

    @Test
    void proposalsQueuedWhenTheLeaderIsLostAreRefusedAndInFlightOnesWaitForTheirAnswer() {
        ProtocolCluster c = leaderN1();
        c.p("n2").proposeOrForward(1, bytes("sent"));
        c.process("n2");
        ProposeRequest request = (ProposeRequest) c.inFlight(is(ProposeRequest.class)).get(0);
        c.drop(is(ProposeRequest.class));
        c.p("n2").proposeOrForward(2, bytes("queued"));

        // n3 campaigns: n2 learns of a new term before it sent "queued".
        c.campaign("n3");
        assertTrue(c.m("n2").forwarded.stream().anyMatch(f -> f.proposalIds().equals(List.of(2L))
                        && !f.placed() && !f.outcomeUnknown()),
                "a proposal never sent is refused for certain: " + c.m("n2").forwarded);

        // The deposed leader's answer to the earlier request still tells where "sent" went.
        c.step("n2", new ProposeResponse(N1, N2, request.term(), request.session(), request.batchId(), 42, true));
        Ready.Forwarded placed = c.m("n2").forwarded.get(c.m("n2").forwarded.size() - 1);
        assertEquals(new Ready.Forwarded(List.of(1L), true, 42, request.term(), null, false), placed);
    }

    @Test
    void inFlightProposalsAreGivenUpAsUnknownShortlyAfterTheLeaderChanges() {
        ProtocolCluster c = leaderN1();
        c.p("n2").proposeOrForward(1, bytes("to a leader about to crash"));
        c.process("n2");
        c.drop(is(ProposeRequest.class)); // the leader crashes before answering
        c.campaign("n3");
        assertTrue(c.m("n2").forwarded.isEmpty(), "right after the change the old leader's answer may still come");

        c.tick("n2", 2 * c.options.heartbeatTicks());
        assertEquals(List.of(new Ready.Forwarded(List.of(1L), false, 0, 0, NodeId.of("n3"), true)),
                c.m("n2").forwarded, "given up as of unknown outcome well before a request deadline, so the client"
                        + " can retry on the new leader");
    }

    @Test
    void anAnswerSentBeforeTheFollowerRestartedIsNotTakenForANewBatchWithTheSameId() {
        ProtocolCluster c = leaderN1();
        c.p("n2").proposeOrForward(1, bytes("before restart"));
        c.process("n2");
        ProposeRequest old = (ProposeRequest) c.inFlight(is(ProposeRequest.class)).get(0);
        c.drop(is(ProposeRequest.class));
        c.restart("n2");
        c.heartbeat("n1"); // n2 learns the leader again
        c.p("n2").proposeOrForward(2, bytes("after restart"));
        c.process("n2");
        ProposeRequest fresh = (ProposeRequest) c.inFlight(is(ProposeRequest.class)).get(0);
        assertEquals(old.batchId(), fresh.batchId(), "batch ids start over after a restart");

        c.step("n2", new ProposeResponse(N1, N2, old.term(), old.session(), old.batchId(), 0, false));
        assertTrue(c.m("n2").forwarded.isEmpty(), "the old session's refusal must not fail the new batch, which the"
                + " leader may well append: " + c.m("n2").forwarded);
        c.settle();
        assertTrue(c.m("n2").forwarded.stream().anyMatch(f -> f.placed() && f.proposalIds().equals(List.of(2L))));
    }

    @Test
    void aLargeBurstIsSplitWithinTheMessageLimits() {
        ProtocolCluster c = leaderN1();
        int count = c.options.maxEntriesPerMessage() * 2 + 1;
        for (int i = 0; i < count; i++) {
            c.p("n2").proposeOrForward(i, bytes("c" + i));
        }
        c.process("n2");
        List<RaftMessage> requests = c.inFlight(is(ProposeRequest.class));
        assertEquals(3, requests.size(), "split by maxEntriesPerMessage");
        for (RaftMessage m : requests) {
            assertTrue(((ProposeRequest) m).commands().size() <= c.options.maxEntriesPerMessage());
        }
        c.settle();
        List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add("c" + i);
        }
        assertEquals(expected, commandsIn(c.m("n1").committed));
        byte[] first = ((ProposeRequest) requests.get(0)).commands().get(0);
        assertArrayEquals(bytes("c0"), first);
    }

    private static int indexOf(List<RaftMessage> messages, Class<?> type) {
        for (int i = 0; i < messages.size(); i++) {
            if (type.isInstance(messages.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
