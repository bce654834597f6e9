package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.ProtocolCluster.from;
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
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The effect order of {@link Ready}, which is part of Raft's safety argument (Figure 2: "respond to RPCs only after
 * updating stable storage"): a leader counts its own entries toward a quorum only once {@code persisted} says they are
 * durable; votes and AppendEntries answers wait for the write; committed entries are handed out only once durable
 * locally.
 */
class PersistenceOrderTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    @Test
    void leaderCountsItselfTowardTheQuorumOnlyAfterPersisted() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.m("n1").manualDisk = true;

        long index = c.propose("n1", "x").index();
        c.drop(to("n3"));                            // only n2 will acknowledge
        c.settle();
        assertEquals(1, c.m("n1").pendingWrites.size(), "the leader's write of x is still under way");
        assertEquals(index - 1, c.p("n1").durableIndex());
        assertTrue(c.p("n1").commitIndex() < index,
                "x is durable on n2 only: the leader must not count its own, not yet durable copy");

        c.completeWrites("n1");
        assertEquals(index, c.p("n1").commitIndex(), "now n1 and n2 hold x durably: a majority");
    }

    @Test
    void aSingleVoterCommitsOnlyWhatItHasPersisted() {
        ProtocolCluster c = ProtocolCluster.of(1);
        c.tickUntil("n1", p -> p.role() == RaftRole.LEADER, 100);
        c.m("n1").manualDisk = true;
        long index = c.propose("n1", "x").index();
        assertEquals(index - 1, c.p("n1").commitIndex(), "a lone leader's entry is committed by its own write only");
        c.completeWrites("n1");
        assertEquals(index, c.p("n1").commitIndex());
        assertEquals(index, c.m("n1").committed.get(c.m("n1").committed.size() - 1).index());
    }

    @Test
    void committedEntriesAreHandedOutOnlyOnceDurableOnTheLeader() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.m("n1").manualDisk = true;

        long index = c.propose("n1", "x").index();
        c.settle();
        // n2 and n3 are a majority without n1: x is committed, but n1 cannot apply what it has not stored.
        assertEquals(index, c.p("n1").commitIndex());
        assertTrue(c.m("n1").committed.stream().noneMatch(e -> e.index() == index),
                "n1 handed out x for applying before its own write of x completed");

        c.completeWrites("n1");
        assertEquals(index, c.m("n1").committed.get(c.m("n1").committed.size() - 1).index());
    }

    @Test
    void committedEntriesAreHandedOutOnlyOnceDurableOnAFollower() {
        ProtocolCluster c = ProtocolCluster.of(3);
        RaftProtocol n2 = c.p("n2");
        LogEntry e1 = LogEntry.command(1, 1, new byte[]{1});
        LogEntry e2 = LogEntry.command(2, 1, new byte[]{2});

        n2.step(new AppendEntriesRequest(N1, N2, 1, 0, 0, List.of(e1, e2), 2, 0));
        Ready r = n2.ready();
        assertEquals(2, n2.commitIndex(), "the leader says both are committed");
        assertEquals(List.of(e1, e2), r.entriesToPersist());
        assertTrue(r.committed().isEmpty(), "but they are not on this member's disk yet: " + r.committed());

        c.m("n2").store.write(r.state(), r.entriesToPersist());
        n2.persisted(2, 1);
        assertEquals(List.of(e1, e2), n2.ready().committed());
    }

    @Test
    void followerAnswersAppendEntriesOnlyOnceTheEntriesAreDurable() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.m("n2").manualDisk = true;
        long index = c.propose("n1", "x").index();
        c.drop(to("n3"));

        c.deliverOnce(to("n2"));
        assertTrue(c.inFlight(from("n2")).isEmpty(), "n2 answered before its write completed: " + c.inFlight);
        c.settle();
        assertTrue(c.p("n1").commitIndex() < index);

        c.completeWrites("n2");
        AppendEntriesResponse resp = (AppendEntriesResponse) c.inFlight(from("n2")).get(0);
        assertTrue(resp.success());
        assertEquals(index, resp.matchIndex());
        assertEquals(index, c.m("n2").store.lastIndex(), "the answer went out after the write");
        c.settle();
        assertEquals(index, c.p("n1").commitIndex());
    }

    @Test
    void aVoteIsPersistedInTheSameBatchAndSentOnlyAfterIt() {
        ProtocolCluster c = ProtocolCluster.of(3);
        RaftProtocol n3 = c.p("n3");
        n3.step(new RequestVoteRequest(N1, N3, 1, 0, 0, false, false));
        Ready r = n3.ready();

        assertEquals(new PersistentState(1, N1), r.state(), "term and vote are written in this batch");
        assertTrue(r.sendNow().isEmpty(), "the vote must not leave before it is durable: " + r.sendNow());
        RequestVoteResponse vote = (RequestVoteResponse) r.sendAfterPersist().get(0);
        assertTrue(vote.granted());
    }

    @Test
    void aRefusalThatRaisesTheTermAlsoWaitsForTheNewTermToBeDurable() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n3", 1, 1, 1);
        RaftProtocol n3 = c.p("n3");
        n3.step(new RequestVoteRequest(N1, N3, 2, 0, 0, false, false));
        Ready r = n3.ready();
        assertEquals(new PersistentState(2, null), r.state());
        assertTrue(r.sendNow().isEmpty());
        assertFalse(((RequestVoteResponse) r.sendAfterPersist().get(0)).granted());
    }

    @Test
    void aVoteThatWasSentSurvivesACrashSoTheVoterCannotVoteTwice() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.step("n3", new RequestVoteRequest(N1, N3, 1, 0, 0, false, false));
        assertTrue(((RequestVoteResponse) c.inFlight(from("n3")).get(0)).granted());

        c.restart("n3");
        assertEquals(N1, c.p("n3").votedFor(), "the vote is recovered from the disk");
        c.drop(m -> true);
        c.step("n3", new RequestVoteRequest(N2, N3, 1, 0, 0, false, false));
        RequestVoteResponse second = (RequestVoteResponse) c.inFlight(from("n3")).get(0);
        assertFalse(second.granted(), "after a restart n3 voted twice in term 1: two leaders could be elected");
    }

    @Test
    void aVoteWhoseWriteWasLostWasNeverSent() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.m("n3").manualDisk = true;
        c.step("n3", new RequestVoteRequest(N1, N3, 1, 0, 0, false, false));
        assertTrue(c.inFlight(from("n3")).isEmpty(), "the vote went out before it was durable");

        // Crash inside the fsync window: the vote is forgotten, which is safe only because nobody received it.
        c.restart("n3");
        assertNull(c.p("n3").votedFor());
        assertEquals(0, c.p("n3").term());
    }

    @Test
    void aCandidateAsksForVotesOnlyAfterItsOwnVoteIsDurable() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.m("n1").manualDisk = true;
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        assertTrue(c.inFlight(is(RequestVoteRequest.class)).isEmpty(), "RequestVote left before the self-vote was durable");
        c.completeWrites("n1");
        assertEquals(new PersistentState(1, N1), c.m("n1").store.state());
        assertEquals(2, c.inFlight(is(RequestVoteRequest.class)).size());
    }

    @Test
    void writesReplaceAConflictingSuffixOnDiskInOrder() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n2", 1, 1, 1, 1);
        c.m("n2").manualDisk = true;
        // Term 2's leader overwrites from index 2, then appends 4; both writes queue and then complete in order.
        c.step("n2", new AppendEntriesRequest(N1, N2, 2, 1, 1, List.of(LogEntry.command(2, 2, new byte[0])), 0, 0));
        c.step("n2", new AppendEntriesRequest(N1, N2, 2, 2, 2, List.of(LogEntry.command(3, 2, new byte[0]),
                LogEntry.command(4, 2, new byte[0])), 0, 0));
        assertEquals(2, c.m("n2").pendingWrites.size());
        assertEquals(2, c.m("n2").pendingWrites.peekFirst().entries().get(0).index(),
                "the first write starts below the last durable index: it replaces the suffix");
        assertEquals(1, c.p("n2").durableIndex(), "only index 1 is known durable and matching");
        c.completeOneWrite("n2");
        assertEquals(2, c.p("n2").durableIndex());
        c.completeWrites("n2");
        assertEquals(4, c.p("n2").durableIndex());
        assertEquals(4, c.m("n2").store.lastIndex());
        assertEquals(2, c.m("n2").store.termAt(3));
    }
}
