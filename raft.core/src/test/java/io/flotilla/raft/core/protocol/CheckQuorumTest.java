package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.FeatureCluster.from;
import static io.flotilla.raft.core.protocol.FeatureCluster.id;
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
 * Check-quorum (thesis §6.2) and leader stickiness (§4.2.3): a leader that hears from no majority for an election
 * timeout steps down; a member that heard from a leader within the shortest election timeout ignores vote requests
 * (no term change, no vote, no answer), unless the request comes from a leadership transfer.
 */
class CheckQuorumTest {

    /** n3 (log as up to date as everyone's) asks n2 for its vote in term 2. */
    private static RequestVoteRequest voteRequestFromN3(boolean transfer, FeatureCluster c) {
        return new RequestVoteRequest(id("n3"), id("n2"), 2, c.p("n3").lastIndex(), c.p("n3").termAt(c.p("n3").lastIndex()),
                false, transfer);
    }

    @Test
    void aLeaderCutOffFromEveryFollowerStepsDownWithinTwoElectionTimeouts() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        int min = c.options.electionTimeoutMinTicks();

        c.isolate("n1");
        int ticks = 0;
        while (c.p("n1").role() == RaftRole.LEADER && ticks <= 3 * min) {
            c.tick("n1");
            c.settle();
            ticks++;
        }
        assertEquals(RaftRole.FOLLOWER, c.p("n1").role(), "a leader without a quorum must step down");
        assertTrue(ticks >= min, "stepped down after " + ticks + " ticks, before an election timeout had passed"
                + " without hearing from a majority");
        assertTrue(ticks <= 2 * min, "stepped down only after " + ticks + " ticks of silence (min timeout " + min + ")");
        assertEquals(1, c.p("n1").term(), "stepping down for lack of a quorum does not raise the term");
        assertNull(c.p("n1").leader());
        assertFalse(c.propose("n1", "x").accepted(), "a member that stepped down refuses proposals");
    }

    @Test
    void withoutCheckQuorumACutOffLeaderStaysLeader() {
        RaftOptions options = FeatureCluster.options().checkQuorum(false).build();
        FeatureCluster c = FeatureCluster.of(3, options);
        c.elect("n1");
        c.heartbeat("n1");
        c.isolate("n1");
        for (int i = 0; i < 10 * options.electionTimeoutMaxTicks(); i++) {
            c.tick("n1");
            c.settle();
        }
        assertEquals(RaftRole.LEADER, c.p("n1").role());
        assertTrue(c.propose("n1", "x").accepted());
    }

    @Test
    void aLeaderThatHearsFromAMajorityButNotFromAllStaysLeader() {
        FeatureCluster c = FeatureCluster.of(5);
        c.elect("n1");
        c.isolate("n4");
        c.isolate("n5");
        c.run(10 * c.options.electionTimeoutMaxTicks(), "n1", "n2", "n3");
        assertEquals(RaftRole.LEADER, c.p("n1").role(), "n1, n2, n3 are a majority of 5");
        assertEquals(1, c.p("n1").term());
    }

    @Test
    void aFollowerThatRecentlyHeardFromTheLeaderIgnoresAHigherTermVoteRequest() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        PersistentState before = FeatureCluster.state(c.p("n2"));
        assertEquals(new PersistentState(1, id("n1")), before);

        int writesBefore = c.m("n2").readies.size();
        c.step("n2", voteRequestFromN3(false, c));

        assertEquals(before, FeatureCluster.state(c.p("n2")), "term and vote must not change");
        assertEquals(RaftRole.FOLLOWER, c.p("n2").role());
        assertEquals(id("n1"), c.p("n2").leader(), "n2 still follows n1");
        assertTrue(c.inFlight(from("n2")).isEmpty(), "the request must not even be answered: " + c.inFlight);
        assertEquals(writesBefore, c.m("n2").readies.size(), "nothing at all happens on n2");
    }

    @Test
    void theLeaderItselfIgnoresAHigherTermVoteRequestWhileItHasAQuorum() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.step("n1", new RequestVoteRequest(id("n3"), id("n1"), 2, c.p("n3").lastIndex(), 1, false, false));
        assertEquals(RaftRole.LEADER, c.p("n1").role());
        assertEquals(1, c.p("n1").term());
        assertTrue(c.inFlight(from("n1")).isEmpty(), c.inFlight.toString());
    }

    @Test
    void aTransferVoteRequestIsHonouredEvenWhileTheLeaderIsHeardFrom() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");

        c.step("n2", voteRequestFromN3(true, c));

        assertEquals(new PersistentState(2, id("n3")), FeatureCluster.state(c.p("n2")), "adopts term 2, votes n3");
        assertEquals(new PersistentState(2, id("n3")), c.m("n2").store.state(), "and the vote is durable");
        List<RaftMessage> answers = c.inFlight(from("n2"));
        assertEquals(1, answers.size(), answers.toString());
        RequestVoteResponse resp = (RequestVoteResponse) answers.get(0);
        assertTrue(resp.granted());
        assertFalse(resp.preVote());
        assertEquals(2, resp.term());
    }

    @Test
    void aFollowerVotesOnceTheLeaderHasBeenSilentForTheShortestElectionTimeout() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.tick("n2", c.options.electionTimeoutMinTicks());
        c.drop(m -> true);                                       // n2 may have asked for pre-votes itself

        c.step("n2", voteRequestFromN3(false, c));

        assertEquals(new PersistentState(2, id("n3")), FeatureCluster.state(c.p("n2")));
        assertTrue(c.inFlight(from("n2")).stream()
                .anyMatch(m -> m instanceof RequestVoteResponse r && r.granted() && r.term() == 2));
    }
}
