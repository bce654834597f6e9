package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.ProtocolCluster.from;
import static io.flotilla.raft.core.protocol.ProtocolCluster.involving;
import static io.flotilla.raft.core.protocol.ProtocolCluster.is;
import static io.flotilla.raft.core.protocol.ProtocolCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft §5.1, Server basics and terms: "If one server's current term is smaller than the other's, then it updates its
 * current term to the larger value. If a candidate or leader discovers that its term is out of date, it immediately
 * reverts to follower state. If a server receives a request with a stale term number, it rejects the request."
 */
class Section5_1_TermsTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    @Test
    void followerAdoptsHigherTermFromAppendEntriesAndPersistsIt() {
        ProtocolCluster c = ProtocolCluster.of(3);
        RaftProtocol n1 = c.p("n1");
        assertEquals(0, n1.term());

        n1.step(new AppendEntriesRequest(N2, N1, 5, 0, 0, List.of(), 0, 0));
        Ready r = n1.ready();

        assertEquals(5, n1.term());
        assertEquals(RaftRole.FOLLOWER, n1.role());
        assertEquals(N2, n1.leader(), "an AppendEntries names the leader of the new term");
        assertEquals(new PersistentState(5, null), r.state(), "the new term must be written before answering");
        AppendEntriesResponse resp = (AppendEntriesResponse) single(r.sendAfterPersist());
        assertEquals(5, resp.term());
        assertTrue(resp.success());
    }

    @Test
    void candidateStepsDownOnHigherTermAndForgetsItsVote() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        RaftProtocol n1 = c.p("n1");
        assertEquals(1, n1.term());
        assertEquals(N1, n1.votedFor());
        c.drop(m -> true);

        // A denied vote carrying a higher term: the candidate is out of date.
        n1.step(new RequestVoteResponse(N2, N1, 3, false, false));
        Ready r = n1.ready();

        assertEquals(RaftRole.FOLLOWER, n1.role());
        assertEquals(3, n1.term());
        assertNull(n1.votedFor(), "the vote of term 1 does not carry over to term 3");
        assertEquals(new PersistentState(3, null), r.state());
    }

    @Test
    void leaderStepsDownWhenAResponseCarriesAHigherTerm() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        RaftProtocol n1 = c.p("n1");
        assertEquals(1, n1.term());

        n1.step(new AppendEntriesResponse(N2, N1, 4, false, 1, 0, 0, 0));
        Ready r = n1.ready();

        assertEquals(RaftRole.FOLLOWER, n1.role());
        assertEquals(4, n1.term());
        assertNull(n1.votedFor());
        assertNull(n1.leader(), "a response names no leader of the new term");
        assertEquals(new PersistentState(4, null), r.state());
        assertFalse(n1.propose(ProtocolCluster.bytes("x")).accepted(), "a deposed leader accepts no proposals");
    }

    @Test
    void higherTermVoteRequestClearsTheOldVoteSoTheNewCandidateCanBeGranted() {
        ProtocolCluster c = ProtocolCluster.of(3);
        RaftProtocol n3 = c.p("n3");
        n3.step(new RequestVoteRequest(N1, N3, 1, 0, 0, false, false));
        n3.ready();
        assertEquals(N1, n3.votedFor());

        n3.step(new RequestVoteRequest(N2, N3, 2, 0, 0, false, false));
        Ready r = n3.ready();

        assertEquals(2, n3.term());
        assertEquals(N2, n3.votedFor());
        assertEquals(new PersistentState(2, N2), r.state());
        RequestVoteResponse resp = (RequestVoteResponse) single(r.sendAfterPersist());
        assertTrue(resp.granted());
        assertEquals(2, resp.term());
    }

    @Test
    void staleAppendEntriesIsRejectedWithTheCurrentTermAndChangesNothing() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n1", 3, 1, 1, 3);
        RaftProtocol n1 = c.p("n1");
        List<LogEntry> before = c.m("n1").log();

        // A deposed leader of term 2 still tries to overwrite index 3.
        n1.step(new AppendEntriesRequest(N2, N1, 2, 2, 1, List.of(LogEntry.command(3, 2, new byte[]{1})), 3, 0));
        Ready r = n1.ready();

        AppendEntriesResponse resp = (AppendEntriesResponse) single(r.sendAfterPersist());
        assertFalse(resp.success());
        assertEquals(3, resp.term(), "the answer tells the stale leader the current term");
        assertEquals(3, n1.term());
        assertNull(r.state(), "nothing changed, nothing to persist");
        assertTrue(r.entriesToPersist().isEmpty());
        assertEquals(before, c.m("n1").log());
        assertEquals(0, n1.commitIndex(), "a stale leaderCommit must not advance the commit index");
        assertNull(n1.leader(), "a stale sender is not recognised as leader");
    }

    @Test
    void staleLeaderCannotHoldOffAnElection() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n1", 3);
        RaftProtocol n1 = c.p("n1");
        int maxTicks = c.options.electionTimeoutMaxTicks();
        int ticks = 0;
        while (n1.role() == RaftRole.FOLLOWER && ticks <= maxTicks) {
            // Heartbeats of a deposed leader (term 2) arrive every tick; they must not reset the election timer.
            n1.step(new AppendEntriesRequest(N2, N1, 2, 0, 0, List.of(), 0, 0));
            n1.tick();
            n1.ready();
            ticks++;
        }
        assertEquals(RaftRole.CANDIDATE, n1.role(), "stale heartbeats kept the member from campaigning");
        assertEquals(4, n1.term());
    }

    @Test
    void staleVoteRequestIsRejectedWithTheCurrentTerm() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n3", 3);
        RaftProtocol n3 = c.p("n3");

        // The candidate's log is more up to date, but its term is stale.
        n3.step(new RequestVoteRequest(N1, N3, 2, 10, 2, false, false));
        Ready r = n3.ready();

        RequestVoteResponse resp = (RequestVoteResponse) single(r.sendAfterPersist());
        assertFalse(resp.granted());
        assertEquals(3, resp.term());
        assertNull(n3.votedFor());
        assertEquals(3, n3.term());
        assertNull(r.state());
    }

    @Test
    void staleVoteResponsesAreIgnored() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n1", 1);
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        RaftProtocol n1 = c.p("n1");
        assertEquals(2, n1.term());
        c.drop(m -> true);

        // Votes granted in term 1 are no votes for term 2.
        n1.step(new RequestVoteResponse(N2, N1, 1, true, false));
        n1.step(new RequestVoteResponse(N3, N1, 1, true, false));
        n1.ready();

        assertEquals(RaftRole.CANDIDATE, n1.role());
        assertEquals(2, n1.term());
    }

    @Test
    void staleAppendEntriesResponsesAreIgnored() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n1", 1);
        c.elect("n1");
        RaftProtocol n1 = c.p("n1");
        assertEquals(2, n1.term());
        c.propose("n1", "x");
        long last = n1.lastIndex();
        long commit = n1.commitIndex();
        c.drop(m -> true);

        // Successes from term 1 claiming the whole log: if counted, the entry would commit without a real quorum.
        n1.step(new AppendEntriesResponse(N2, N1, 1, true, last, 0, 0, 0));
        n1.step(new AppendEntriesResponse(N3, N1, 1, true, last, 0, 0, 0));
        n1.ready();

        assertEquals(commit, n1.commitIndex());
        assertEquals(RaftRole.LEADER, n1.role());
    }

    @Test
    void deposedLeaderLearnsTheNewTermFromTheRejectionAndStepsDown() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.isolate("n1");
        c.elect("n2");
        assertEquals(2, c.p("n2").term());
        assertEquals(RaftRole.LEADER, c.p("n1").role(), "n1 has not heard of term 2 yet");
        c.heal("n1");

        // The old leader's next heartbeat reaches n3, which answers with term 2.
        c.tick("n1", c.options.heartbeatTicks());
        c.settle(involving("n2"));

        assertEquals(RaftRole.FOLLOWER, c.p("n1").role());
        assertEquals(2, c.p("n1").term());
        assertTrue(c.delivered.stream().anyMatch(
                is(AppendEntriesResponse.class).and(from("n3")).and(to("n1")).and(m -> m.term() == 2)));
    }

    private static RaftMessage single(List<RaftMessage> messages) {
        assertEquals(1, messages.size(), "expected exactly one message, got " + messages);
        return messages.get(0);
    }
}
