package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.ProtocolCluster.appendWithEntries;
import static io.flotilla.raft.core.protocol.ProtocolCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft §5.4.1, Election restriction: a voter denies its vote to a candidate whose log is less up-to-date than its own
 * — an older last term, or the same last term and a shorter log — so that only a member holding every committed entry
 * can be elected (Leader Completeness).
 */
class Section5_4_1_ElectionRestrictionTest {

    private static final NodeId VOTER = NodeId.of("n3");
    private static final NodeId CANDIDATE = NodeId.of("n1");

    /** A voter whose log is 1@1, 2@2, 3@2 (last term 2, last index 3) in term 2. */
    private static RaftProtocol voter() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n3", 2, 1, 2, 2);
        return c.p("n3");
    }

    private static boolean vote(RaftProtocol voter, long term, long lastIndex, long lastTerm) {
        voter.step(new RequestVoteRequest(CANDIDATE, VOTER, term, lastIndex, lastTerm, false, false));
        List<?> out = voter.ready().sendAfterPersist();
        assertEquals(1, out.size());
        return ((RequestVoteResponse) out.get(0)).granted();
    }

    @Test
    void deniesACandidateWithAnOlderLastTermEvenIfItsLogIsLonger() {
        RaftProtocol v = voter();
        assertFalse(vote(v, 3, 100, 1));
        assertEquals(3, v.term(), "the higher term is adopted even when the vote is denied (§5.1)");
        assertNull(v.votedFor());
    }

    @Test
    void deniesACandidateWithTheSameLastTermAndAShorterLog() {
        assertFalse(vote(voter(), 3, 2, 2));
    }

    @Test
    void grantsACandidateWithTheSameLastTermAndAnEqualLog() {
        assertTrue(vote(voter(), 3, 3, 2));
    }

    @Test
    void grantsACandidateWithTheSameLastTermAndALongerLog() {
        assertTrue(vote(voter(), 3, 4, 2));
    }

    @Test
    void grantsACandidateWithANewerLastTermEvenIfItsLogIsShorter() {
        assertTrue(vote(voter(), 4, 1, 3));
    }

    @Test
    void aDenialDoesNotUseUpTheVoteOfTheTerm() {
        RaftProtocol v = voter();
        assertFalse(vote(v, 3, 1, 1));
        // Another candidate of the same term with an up-to-date log can still be elected.
        v.step(new RequestVoteRequest(NodeId.of("n2"), VOTER, 3, 3, 2, false, false));
        RequestVoteResponse resp = (RequestVoteResponse) v.ready().sendAfterPersist().get(0);
        assertTrue(resp.granted());
        assertEquals(NodeId.of("n2"), v.votedFor());
    }

    @Test
    void theUnstableTailCountsAsPartOfTheVotersLog() {
        // The voter has accepted entries it has not finished writing yet: they still make its log more up to date.
        ProtocolCluster c = ProtocolCluster.of(3);
        c.m("n3").manualDisk = true;
        c.step("n3", new io.flotilla.raft.api.message.AppendEntriesRequest(NodeId.of("n2"), VOTER, 2, 0, 0,
                List.of(LogEntry.command(1, 2, new byte[0])), 0, 0));
        assertEquals(1, c.p("n3").lastIndex());
        c.p("n3").step(new RequestVoteRequest(CANDIDATE, VOTER, 3, 0, 0, false, false));
        RequestVoteResponse resp = (RequestVoteResponse) c.p("n3").ready().sendAfterPersist().get(0);
        assertFalse(resp.granted());
    }

    /**
     * Leader Completeness end to end: n1 commits x with n2's help while n3 is cut off; then n1 dies. n3 (missing x)
     * cannot win, because n2 refuses it; n2 (holding x) can, and x survives.
     */
    @Test
    void aMemberMissingACommittedEntryCannotBeElected() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.isolate("n3");
        c.propose("n1", "x");
        c.settle();
        long xIndex = c.p("n1").lastIndex();
        assertEquals(xIndex, c.p("n1").commitIndex(), "x is committed on n1 and n2");
        assertTrue(c.p("n3").lastIndex() < xIndex);

        c.isolate("n1");
        c.heal("n3");
        c.tickUntil("n3", p -> p.role() == RaftRole.CANDIDATE, 100);
        c.settle();
        assertEquals(RaftRole.CANDIDATE, c.p("n3").role(), "n2 must refuse n3, whose log lacks x");

        c.tickUntil("n2", p -> p.role() != RaftRole.FOLLOWER, 100);
        c.settle();
        if (c.p("n2").role() != RaftRole.LEADER) {
            // n3 may have started a higher term in between; n2 simply campaigns again.
            c.tickUntil("n2", p -> p.role() == RaftRole.LEADER, 200);
            c.settle();
        }
        assertEquals(RaftRole.LEADER, c.p("n2").role());
        assertEquals("x", new String(c.p("n2").entries(xIndex, xIndex + 1).get(0).payload()));
        c.settle();
        assertTrue(c.inFlight(to("n3").and(appendWithEntries())).isEmpty());
        assertEquals(c.m("n2").log(), c.m("n3").log(), "n3 received x from the new leader");
    }
}
