package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.ProtocolCluster.is;
import static io.flotilla.raft.core.protocol.ProtocolCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import io.flotilla.raft.storage.memory.MemoryLogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Raft §5.2, Leader election: randomized election timeouts, a candidate increments its term and votes for itself,
 * each server votes for at most one candidate per term, a majority elects, a split vote leads to a new election.
 */
class Section5_2_LeaderElectionTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");
    private static final RaftOptions OPTIONS = ProtocolCluster.options().build();
    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters(Set.of(N1, N2, N3));

    /** Ticks a lone member through {@code elections} elections; returns the ticks each election timeout took. */
    private static List<Integer> electionTimeouts(long seed, int elections) {
        RaftProtocol p = new RaftProtocol(N1, THREE, OPTIONS, StableLog.over(new MemoryLogStore("n1")),
                PersistentState.INITIAL, 0, new SplittableRandom(seed));
        List<Integer> timeouts = new ArrayList<>();
        long term = p.term();
        int ticks = 0;
        while (timeouts.size() < elections) {
            p.tick();
            p.ready();
            ticks++;
            if (p.term() != term) {
                timeouts.add(ticks);
                term = p.term();
                ticks = 0;
            }
            if (ticks > 10 * OPTIONS.electionTimeoutMaxTicks()) {
                throw new AssertionError("no election after " + ticks + " ticks");
            }
        }
        return timeouts;
    }

    @Test
    void electionTimeoutsAreRandomizedWithinTheConfiguredRange() {
        int min = OPTIONS.electionTimeoutMinTicks();
        int max = OPTIONS.electionTimeoutMaxTicks();
        assertEquals(15, min);
        assertEquals(30, max);
        TreeSet<Integer> seen = new TreeSet<>();
        for (long seed = 0; seed < 50; seed++) {
            for (int t : electionTimeouts(seed, 4)) {
                assertTrue(t >= min && t <= max, "election timeout of " + t + " ticks outside [" + min + ", " + max + "]");
                seen.add(t);
            }
        }
        // 200 draws from 16 values: a uniform choice hits nearly all of them; a fixed timeout would give one.
        assertTrue(seen.size() >= 12, "timeouts are not spread over the range: " + seen);
        assertEquals(min, seen.first(), "the shortest timeout is never drawn: " + seen);
        assertEquals(max, seen.last(), "the longest timeout is never drawn: " + seen);
    }

    @Test
    void theSameSeedGivesTheSameTimeouts() {
        List<Integer> a = electionTimeouts(42, 6);
        List<Integer> b = electionTimeouts(42, 6);
        assertEquals(a, b);
        // ... and the randomness really comes from the generator: other seeds give other sequences.
        assertNotEquals(a, electionTimeouts(43, 6));
        assertNotEquals(a, electionTimeouts(44, 6));
    }

    @Test
    void timeoutMakesACandidateThatVotesForItselfPersistsAndOnlyThenAsks() {
        RaftProtocol p = new RaftProtocol(N1, THREE, OPTIONS, StableLog.over(new MemoryLogStore("n1")),
                PersistentState.INITIAL, 0, new SplittableRandom(7));
        Ready r = null;
        for (int i = 0; i < OPTIONS.electionTimeoutMaxTicks() && p.role() == RaftRole.FOLLOWER; i++) {
            p.tick();
            r = p.ready();
        }
        assertEquals(RaftRole.CANDIDATE, p.role());
        assertEquals(1, p.term());
        assertEquals(N1, p.votedFor());
        assertEquals(new PersistentState(1, N1), r.state(), "term and self-vote must be persisted");
        assertTrue(r.sendNow().stream().noneMatch(RequestVoteRequest.class::isInstance),
                "RequestVote must wait for the self-vote to be durable: " + r.sendNow());
        List<RaftMessage> votes = r.sendAfterPersist();
        assertEquals(2, votes.size());
        Set<NodeId> asked = new TreeSet<>();
        for (RaftMessage m : votes) {
            RequestVoteRequest req = (RequestVoteRequest) m;
            assertEquals(1, req.term());
            assertEquals(0, req.lastLogIndex());
            assertEquals(0, req.lastLogTerm());
            assertFalse(req.preVote());
            asked.add(req.to());
        }
        assertEquals(Set.of(N2, N3), asked);
    }

    @Test
    void aMemberVotesForAtMostOneCandidatePerTerm() {
        ProtocolCluster c = ProtocolCluster.of(3);
        RaftProtocol n3 = c.p("n3");

        n3.step(new RequestVoteRequest(N1, N3, 1, 0, 0, false, false));
        assertTrue(voteIn(n3.ready()), "first candidate of term 1 gets the vote");

        n3.step(new RequestVoteRequest(N2, N3, 1, 0, 0, false, false));
        Ready second = n3.ready();
        assertFalse(voteIn(second), "a second candidate of the same term must be refused");
        assertEquals(N1, n3.votedFor());
        assertEquals(null, second.state(), "a refusal changes nothing durable");

        // A retransmitted request from the same candidate is granted again (its answer may have been lost).
        n3.step(new RequestVoteRequest(N1, N3, 1, 0, 0, false, false));
        assertTrue(voteIn(n3.ready()));
    }

    @Test
    void aCandidateDoesNotVoteForAnotherCandidateOfItsTerm() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        c.drop(m -> true);
        RaftProtocol n1 = c.p("n1");
        n1.step(new RequestVoteRequest(N2, N1, 1, 0, 0, false, false));
        assertFalse(voteIn(n1.ready()));
        assertEquals(N1, n1.votedFor());
    }

    @Test
    void aMajorityOfVotesElectsAndTheNewLeaderAppendsANoOpOfItsTerm() {
        ProtocolCluster c = ProtocolCluster.of(5);
        c.seed("n1", 2, 1, 2);
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        RaftProtocol n1 = c.p("n1");
        assertEquals(3, n1.term());
        c.drop(m -> true);

        n1.step(new RequestVoteResponse(N2, N1, 3, true, false));
        n1.step(new RequestVoteResponse(NodeId.of("n4"), N1, 3, false, false));
        n1.ready();
        assertEquals(RaftRole.CANDIDATE, n1.role(), "2 of 5 votes (with its own) is not a majority");

        n1.step(new RequestVoteResponse(N3, N1, 3, true, false));
        Ready r = n1.ready();
        assertEquals(RaftRole.LEADER, n1.role(), "3 of 5 votes is a majority");
        assertEquals(N1, n1.leader());

        assertEquals(3, n1.lastIndex());
        LogEntry noOp = n1.entries(3, 4).get(0);
        assertEquals(EntryKind.NO_OP, noOp.kind());
        assertEquals(3, noOp.term(), "the no-op carries the new leader's term (§5.4.2, §8)");
        assertEquals(List.of(noOp), r.entriesToPersist());
        long appends = r.sendNow().stream().filter(AppendEntriesRequest.class::isInstance).count();
        assertEquals(4, appends, "the new leader asserts itself to every follower at once: " + r.sendNow());
    }

    @Test
    void aSplitVoteLeadsToANewElectionWithAHigherTerm() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.isolate("n3");
        // n1 and n2 time out together: each votes for itself and refuses the other.
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        c.tickUntil("n2", p -> p.role() == RaftRole.CANDIDATE, 100);
        c.settle();
        assertEquals(RaftRole.CANDIDATE, c.p("n1").role());
        assertEquals(RaftRole.CANDIDATE, c.p("n2").role());
        assertEquals(1, c.p("n1").term());
        assertEquals(1, c.p("n2").term());

        // The next timeout starts a new election, one term up, which n2 can now grant.
        c.tickUntil("n1", p -> p.term() == 2, c.options.electionTimeoutMaxTicks());
        assertEquals(RaftRole.CANDIDATE, c.p("n1").role());
        assertEquals(new PersistentState(2, N1), c.m("n1").store.state(), "the new term and vote are durable");
        c.settle();
        assertEquals(RaftRole.LEADER, c.p("n1").role());
        assertEquals(RaftRole.FOLLOWER, c.p("n2").role());
        assertEquals(2, c.p("n2").term());
        assertEquals(N1, c.p("n2").votedFor());
    }

    @Test
    void aLearnerNeverCampaignsAndIsNotAskedToVote() {
        ProtocolCluster c = new ProtocolCluster(ProtocolCluster.options().build(), List.of("n1", "n2", "n3"),
                List.of("n4"), 1);
        c.tick("n4", 10 * c.options.electionTimeoutMaxTicks());
        assertEquals(RaftRole.FOLLOWER, c.p("n4").role());
        assertEquals(0, c.p("n4").term());
        assertTrue(c.inFlight.isEmpty(), "a learner sent " + c.inFlight);

        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        assertTrue(c.inFlight(to("n4")).isEmpty(), "a candidate asked a learner for its vote");
        assertEquals(2, c.inFlight(is(RequestVoteRequest.class)).size());

        // Even a (misguided) grant from the learner does not count toward the majority.
        c.drop(m -> true);
        c.step("n1", new RequestVoteResponse(NodeId.of("n4"), N1, 1, true, false));
        assertEquals(RaftRole.CANDIDATE, c.p("n1").role());
        c.step("n1", new RequestVoteResponse(N2, N1, 1, true, false));
        assertEquals(RaftRole.LEADER, c.p("n1").role());
        // The leader replicates to the learner too.
        assertEquals(1, c.inFlight(is(AppendEntriesRequest.class).and(to("n4"))).size());
    }

    @Test
    void aCandidateThatHearsFromTheLeaderOfItsTermFollowsIt() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        c.drop(m -> true);
        c.step("n1", new AppendEntriesRequest(N2, N1, 1, 0, 0, List.of(), 0, 0));
        assertEquals(RaftRole.FOLLOWER, c.p("n1").role());
        assertEquals(1, c.p("n1").term());
        assertEquals(N2, c.p("n1").leader());
        assertEquals(N1, c.p("n1").votedFor(), "stepping down within a term keeps the vote");
    }

    @Test
    void aSingleVoterElectsItselfAtOnce() {
        ProtocolCluster c = ProtocolCluster.of(1);
        c.tickUntil("n1", p -> p.role() != RaftRole.FOLLOWER, 100);
        assertEquals(RaftRole.LEADER, c.p("n1").role());
        assertEquals(new PersistentState(1, N1), c.m("n1").store.state());
        assertEquals(1, c.p("n1").commitIndex(), "its no-op commits once durable");
    }

    private static boolean voteIn(Ready r) {
        List<RaftMessage> out = new ArrayList<>(r.sendAfterPersist());
        assertTrue(r.sendNow().stream().noneMatch(RequestVoteResponse.class::isInstance),
                "a vote must not be sent before it is durable: " + r.sendNow());
        assertEquals(1, out.size(), "expected one answer, got " + out);
        return ((RequestVoteResponse) out.get(0)).granted();
    }
}
