package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.FeatureCluster.from;
import static io.flotilla.raft.core.protocol.FeatureCluster.id;
import static io.flotilla.raft.core.protocol.FeatureCluster.is;
import static io.flotilla.raft.core.protocol.FeatureCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.TimeoutNowRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Thesis §3.10, leadership transfer: the leader stops accepting proposals, brings the target's log up to its own, then
 * sends TimeoutNow; the target campaigns at once (bypassing pre-vote and leader stickiness) and wins the next term. If
 * the target does not take over within an election timeout, the transfer is abandoned and the leader resumes.
 */
class LeadershipTransferTest {

    private static FeatureCluster threeWithLeaderN1() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        return c;
    }

    @Test
    void aLeaderTransferringLeadershipRefusesProposalsAndPointsAtTheTarget() {
        FeatureCluster c = threeWithLeaderN1();
        c.cut("n1", "n2");                                      // keep the transfer from completing
        assertTrue(c.p("n1").transferLeadership(id("n2")));
        assertEquals(id("n2"), c.p("n1").transferTarget());

        long last = c.p("n1").lastIndex();
        ProposalResult r = c.propose("n1", "x");
        assertFalse(r.accepted(), "a proposal during a transfer would keep the target from catching up");
        assertEquals(id("n2"), r.leader(), "clients are pointed at the target");
        assertEquals(last, c.p("n1").lastIndex(), "nothing was appended");
        ProposalResult change = c.p("n1").proposeMembership(FeatureCluster.withAddresses("n1", "n2"), java.util.Map.of());
        assertFalse(change.accepted(), "no membership change during a transfer either");
    }

    @Test
    void timeoutNowIsSentOnlyOnceTheTargetHasEveryEntryOfTheLeader() {
        FeatureCluster c = threeWithLeaderN1();
        c.cut("n1", "n2");
        c.propose("n1", "a");
        c.propose("n1", "b");
        c.settle();
        c.mend("n1", "n2");
        long last = c.p("n1").lastIndex();
        assertEquals(3, last);
        assertEquals(1, c.p("n2").lastIndex(), "n2 lags two entries behind");

        c.p("n1").transferLeadership(id("n2"));
        c.process(c.m("n1"));
        assertTrue(c.inFlight(is(TimeoutNowRequest.class)).isEmpty(), "TimeoutNow before the target caught up");

        // The next heartbeat re-sends the missing entries to n2 first.
        c.tick("n1", c.options.heartbeatTicks());
        List<RaftMessage> toN2 = c.inFlight(to("n2"));
        assertTrue(toN2.stream().anyMatch(m -> m instanceof AppendEntriesRequest ae && !ae.entries().isEmpty()
                && ae.entries().get(ae.entries().size() - 1).index() == last), "entries first: " + toN2);
        assertTrue(c.inFlight(is(TimeoutNowRequest.class)).isEmpty());
        c.deliverOnce(to("n2"));
        assertEquals(last, c.p("n2").lastIndex());
        assertTrue(c.inFlight(is(TimeoutNowRequest.class)).isEmpty(), "the leader does not yet know n2 caught up");

        c.deliverOnce(from("n2").and(is(AppendEntriesResponse.class)));
        List<RaftMessage> timeoutNow = c.inFlight(is(TimeoutNowRequest.class));
        assertEquals(1, timeoutNow.size(), "TimeoutNow once n2's match index reached " + last + ": " + c.inFlight);
        assertEquals(id("n2"), timeoutNow.get(0).to());
        assertEquals(1, timeoutNow.get(0).term());
    }

    @Test
    void theTargetWinsTheNextTermAndTheOldLeaderFollowsIt() {
        FeatureCluster c = threeWithLeaderN1();
        c.p("n1").transferLeadership(id("n2"));
        c.process(c.m("n1"));
        assertEquals(1, c.inFlight(is(TimeoutNowRequest.class)).size(), "n2 is caught up: TimeoutNow at once");

        c.settle();

        assertEquals(RaftRole.LEADER, c.p("n2").role());
        assertEquals(2, c.p("n2").term(), "the target campaigns in term + 1");
        assertTrue(c.delivered.stream().anyMatch(m -> m instanceof RequestVoteRequest r && r.from().equals(id("n2"))
                && r.transfer() && !r.preVote()), "the target skips pre-vote and marks its requests as a transfer");
        assertEquals(RaftRole.FOLLOWER, c.p("n1").role());
        assertEquals(2, c.p("n1").term());
        assertEquals(id("n2"), c.p("n1").leader());
        assertNull(c.p("n1").transferTarget());
        assertEquals(id("n2"), c.p("n3").leader(), "n3 voted although it had just heard from n1");
        assertTrue(c.propose("n2", "x").accepted());
    }

    @Test
    void transferringToANonVoterIsRejected() {
        FeatureCluster c = new FeatureCluster(FeatureCluster.options().build(), FeatureCluster.names(1, 3),
                List.of("n4"), List.of("n5"), 1);
        c.elect("n1");
        assertThrows(IllegalArgumentException.class, () -> c.p("n1").transferLeadership(id("n4")), "a learner");
        assertThrows(IllegalArgumentException.class, () -> c.p("n1").transferLeadership(id("n5")), "not a member");
        assertNull(c.p("n1").transferTarget());
        assertTrue(c.propose("n1", "x").accepted(), "a rejected transfer leaves the leader as it was");
    }

    @Test
    void transferLeadershipOnAFollowerReturnsFalse() {
        FeatureCluster c = threeWithLeaderN1();
        assertFalse(c.p("n2").transferLeadership(id("n3")));
        assertNull(c.p("n2").transferTarget());
        c.process(c.m("n2"));
        assertTrue(c.inFlight(is(TimeoutNowRequest.class)).isEmpty());
    }

    @Test
    void aTransferWhoseTargetNeverAnswersIsAbandonedAfterAnElectionTimeout() {
        FeatureCluster c = threeWithLeaderN1();
        c.isolate("n2");
        assertTrue(c.p("n1").transferLeadership(id("n2")));
        int min = c.options.electionTimeoutMinTicks();

        c.run(min - 1, "n1", "n3");
        assertEquals(id("n2"), c.p("n1").transferTarget(), "still transferring after " + (min - 1) + " ticks");
        assertFalse(c.propose("n1", "early").accepted());

        c.run(1, "n1", "n3");
        assertNull(c.p("n1").transferTarget(), "abandoned after " + min + " ticks");
        assertEquals(RaftRole.LEADER, c.p("n1").role(), "n1 resumes leading (n3 keeps the quorum)");
        assertEquals(1, c.p("n1").term());
        ProposalResult r = c.propose("n1", "late");
        assertTrue(r.accepted(), "proposals are accepted again");
        c.settle();
        assertEquals(r.index(), c.p("n1").commitIndex());
    }
}
