package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.FeatureCluster.from;
import static io.flotilla.raft.core.protocol.FeatureCluster.id;
import static io.flotilla.raft.core.protocol.FeatureCluster.is;
import static io.flotilla.raft.core.protocol.FeatureCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Thesis §9.6, pre-vote: before raising its term a member asks whether it could win; a pre-vote changes nobody's term
 * or vote, so a member that was partitioned away cannot come back with a higher term and depose a healthy leader.
 */
class PreVoteTest {

    /** Partitions n3 away from a healthy 3-member cluster led by n1 and lets many election timeouts pass everywhere. */
    private static FeatureCluster partitionedFollower(RaftOptions options) {
        FeatureCluster c = FeatureCluster.of(3, options);
        c.elect("n1");
        c.heartbeat("n1");
        assertEquals(1, c.p("n3").term());
        c.isolate("n3");
        c.run(4 * options.electionTimeoutMaxTicks(), "n1", "n2", "n3");
        return c;
    }

    @Test
    void aPartitionedMemberBecomesPreCandidateWithoutRaisingItsTerm() {
        FeatureCluster c = partitionedFollower(FeatureCluster.options().build());

        assertEquals(RaftRole.PRE_CANDIDATE, c.p("n3").role());
        assertEquals(1, c.p("n3").term(), "a pre-candidate must not raise its term");
        assertEquals(id("n1"), c.p("n3").votedFor(), "its vote of term 1 is kept");
        assertEquals(1, c.m("n3").store.state().term(), "nothing about a new term was written to disk");
        long preVotes = c.m("n3").readies.stream().flatMap(r -> r.sendNow().stream())
                .filter(m -> m instanceof RequestVoteRequest req && req.preVote()).count();
        assertTrue(preVotes >= 4, "n3 asked for pre-votes at each of its timeouts: " + preVotes);
    }

    @Test
    void aRejoiningMemberDoesNotDeposeTheHealthyLeader() {
        FeatureCluster c = partitionedFollower(FeatureCluster.options().build());
        assertEquals(RaftRole.LEADER, c.p("n1").role());

        c.heal("n3");
        c.run(2 * c.options.electionTimeoutMaxTicks(), "n1", "n2", "n3");

        assertEquals(RaftRole.LEADER, c.p("n1").role(), "the healthy leader was deposed");
        for (String n : List.of("n1", "n2", "n3")) {
            assertEquals(1, c.p(n).term(), n + ": the cluster's term must not change");
        }
        assertEquals(RaftRole.FOLLOWER, c.p("n3").role());
        assertEquals(id("n1"), c.p("n3").leader(), "n3 follows the leader again");
        assertTrue(c.propose("n1", "x").accepted());
        c.settle();
        c.heartbeat("n1");
        assertEquals(c.p("n1").lastIndex(), c.p("n3").commitIndex(), "n3 takes part in replication again");
    }

    @Test
    void preVoteRequestsCarryTheNextTermAndChangeNoReceiversTermOrVote() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.isolate("n3");
        c.tickUntil("n3", p -> p.role() == RaftRole.PRE_CANDIDATE, c.options.electionTimeoutMaxTicks() + 1);
        List<RaftMessage> asks = c.inFlight(from("n3").and(is(RequestVoteRequest.class)));
        assertEquals(2, asks.size(), "one pre-vote request to each other voter: " + asks);
        for (RaftMessage m : asks) {
            RequestVoteRequest req = (RequestVoteRequest) m;
            assertTrue(req.preVote());
            assertEquals(2, req.term(), "a pre-vote asks for the term it would campaign in: term + 1");
            assertEquals(c.p("n3").lastIndex(), req.lastLogIndex());
        }
        c.heal("n3");
        RequestVoteRequest toN2 = (RequestVoteRequest) asks.stream().filter(to("n2")).findFirst().orElseThrow();

        // n2 heard from its leader recently: it ignores the pre-vote altogether (§4.2.3).
        c.drop(m -> true);
        c.step("n2", toN2);
        assertEquals(new PersistentState(1, id("n1")), FeatureCluster.state(c.p("n2")));
        assertTrue(c.inFlight.isEmpty(), "a member in its leader's lease does not answer: " + c.inFlight);

        // Once the leader has been silent for an election timeout n2 answers, and grants: its term and vote stay.
        c.tick("n2", c.options.electionTimeoutMinTicks());
        c.drop(m -> true);
        int readiesBefore = c.m("n2").readies.size();
        c.step("n2", toN2);
        assertEquals(1, c.p("n2").term(), "a pre-vote must not change the receiver's term");
        assertEquals(id("n1"), c.p("n2").votedFor(), "a pre-vote must not change the receiver's vote");
        assertTrue(c.m("n2").readies.subList(readiesBefore, c.m("n2").readies.size()).stream()
                .allMatch(r -> r.state() == null), "a pre-vote must cause no write of term or vote");
        List<RaftMessage> answers = c.inFlight(from("n2"));
        assertEquals(1, answers.size(), answers.toString());
        RequestVoteResponse resp = (RequestVoteResponse) answers.get(0);
        assertTrue(resp.preVote());
        assertTrue(resp.granted(), "n3's log is as up to date as n2's");
        assertEquals(2, resp.term(), "a granted pre-vote answers with the term asked for");
    }

    @Test
    void aPreVoteIsRefusedToAMemberWithAStaleLogAndTheRefusalRaisesNoTerm() {
        RaftOptions options = FeatureCluster.options().checkQuorum(false).build();
        FeatureCluster c = FeatureCluster.of(3, options);
        c.elect("n1");
        c.isolate("n3");
        c.propose("n1", "x");
        c.settle();
        c.tickUntil("n3", p -> p.role() == RaftRole.PRE_CANDIDATE, options.electionTimeoutMaxTicks() + 1);
        c.heal("n3");
        c.settle(to("n1"));

        assertEquals(RaftRole.PRE_CANDIDATE, c.p("n3").role(), "n2 has entry 2, n3 does not: no pre-vote");
        assertEquals(1, c.p("n2").term());
        assertEquals(1, c.p("n3").term());
        assertTrue(c.delivered.stream().anyMatch(m -> m instanceof RequestVoteResponse r && r.preVote()
                && !r.granted() && r.from().equals(id("n2"))), "n2 answered with a refusal");
    }

    @Test
    void aPreCandidateWithAMajorityOfPreVotesCampaignsInTheNextTerm() {
        FeatureCluster c = FeatureCluster.of(3);
        c.tickUntil("n1", p -> p.role() != RaftRole.FOLLOWER, c.options.electionTimeoutMaxTicks() + 1);
        assertEquals(RaftRole.PRE_CANDIDATE, c.p("n1").role());
        assertEquals(0, c.p("n1").term());
        assertNull(c.p("n1").votedFor(), "a pre-candidate votes for nobody");

        c.deliverOnce(to("n2"));                               // n2's pre-vote answer is now in flight
        assertEquals(RaftRole.PRE_CANDIDATE, c.p("n1").role());
        c.deliverOnce(from("n2").and(is(RequestVoteResponse.class)));

        assertEquals(RaftRole.CANDIDATE, c.p("n1").role(), "n1 + n2 are a majority of 3");
        assertEquals(1, c.p("n1").term(), "campaigns in term + 1");
        assertEquals(id("n1"), c.p("n1").votedFor());
        List<RaftMessage> votes = c.inFlight(from("n1").and(is(RequestVoteRequest.class)))
                .stream().filter(m -> !((RequestVoteRequest) m).preVote()).toList();
        assertEquals(2, votes.size(), "real vote requests to both other voters: " + c.inFlight);
        assertTrue(votes.stream().allMatch(m -> m.term() == 1));
        c.settle();
        assertEquals(RaftRole.LEADER, c.p("n1").role());
    }

    @Test
    void withoutPreVoteAPartitionedMemberRaisesItsTermAndDisruptsTheLeaderOnReturn() {
        FeatureCluster c = partitionedFollower(FeatureCluster.options().preVote(false).build());

        assertEquals(RaftRole.CANDIDATE, c.p("n3").role());
        assertTrue(c.p("n3").term() > 2, "without pre-vote each timeout raises the term: " + c.p("n3").term());
        assertEquals(1, c.p("n1").term());

        c.heal("n3");
        c.run(c.options.heartbeatTicks(), "n1", "n2", "n3");
        assertTrue(c.p("n1").term() > 1, "n3's higher term deposes the healthy leader (the contrast to pre-vote)");
        assertFalse(c.p("n1").role() == RaftRole.LEADER && c.p("n1").term() == 1);
    }
}
