package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.FeatureCluster.from;
import static io.flotilla.raft.core.protocol.FeatureCluster.id;
import static io.flotilla.raft.core.protocol.FeatureCluster.involving;
import static io.flotilla.raft.core.protocol.FeatureCluster.is;
import static io.flotilla.raft.core.protocol.FeatureCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.ReadIndexRequest;
import io.flotilla.raft.api.message.ReadIndexResponse;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.TimeoutNowRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Thesis §6.4.1 lease reads and §6.4 follower reads. A leader answers a lease read at once while a majority
 * acknowledged a heartbeat round it started less than {@code leaseTicks} ago; otherwise (lease expired, check-quorum
 * off, transfer under way) the read falls back to ReadIndex. A follower forwards reads to the leader, which confirms
 * the read index with a heartbeat round; the forwarded read fails when the follower's term changes.
 */
class LeaseAndFollowerReadTest {

    /** A 3-member cluster whose leader n1 just had a heartbeat round acknowledged by both followers. */
    private static FeatureCluster leaderWithFreshRound(RaftOptions options) {
        FeatureCluster c = FeatureCluster.of(3, options);
        c.elect("n1");
        c.heartbeat("n1");
        return c;
    }

    /** Ticks the leader {@code n} times one by one, losing every message (no acknowledgements come back). */
    private static void silentTicks(FeatureCluster c, int n) {
        for (int i = 0; i < n; i++) {
            c.tick("n1");
            c.drop(m -> true);
        }
    }

    @Test
    void aLeaseReadIsAnsweredInTheSameReadyAtTheCommitIndexWithoutAnyMessage() {
        FeatureCluster c = leaderWithFreshRound(FeatureCluster.options().build());
        c.propose("n1", "x");
        c.settle();
        long commit = c.p("n1").commitIndex();
        assertEquals(2, commit);
        assertTrue(c.p("n1").holdsLease());

        c.p("n1").leaseRead(7);
        Ready r = c.p("n1").ready();
        assertEquals(List.of(new Ready.ReadReady(7, commit)), r.readsReady());
        assertTrue(r.sendNow().isEmpty() && r.sendAfterPersist().isEmpty(), "no round trip under the lease: " + r);
    }

    @Test
    void theLeaseLastsLeaseTicksFromTheStartOfTheAcknowledgedRoundThenReadsNeedARound() {
        RaftOptions options = FeatureCluster.options().build();
        assertEquals(12, options.leaseTicks(), "15 ticks less 10 % less one tick");
        FeatureCluster c = leaderWithFreshRound(options);

        silentTicks(c, options.leaseTicks() - 1);
        assertTrue(c.p("n1").holdsLease(), "the round started " + (options.leaseTicks() - 1) + " ticks ago");
        c.leaseRead("n1", 1);
        assertEquals(List.of(new Ready.ReadReady(1, 1)), c.m("n1").readsReady);
        assertTrue(c.inFlight.isEmpty());

        silentTicks(c, 1);
        assertFalse(c.p("n1").holdsLease(), "the round started leaseTicks ago: the lease is over");
        c.leaseRead("n1", 2);
        assertEquals(1, c.m("n1").readsReady.size(), "read 2 must not be answered from an expired lease");
        List<RaftMessage> round = c.inFlight(is(AppendEntriesRequest.class));
        assertEquals(2, round.size(), "the read falls back to ReadIndex: a heartbeat round to both followers");

        c.settle();
        assertEquals(new Ready.ReadReady(2, 1), c.m("n1").readsReady.get(1), "answered once the round is acknowledged");
    }

    @Test
    void withoutCheckQuorumALeaseReadAlwaysWaitsForARound() {
        FeatureCluster c = leaderWithFreshRound(FeatureCluster.options().checkQuorum(false).build());
        assertFalse(c.p("n1").holdsLease(), "followers may vote for others at any time: no lease");

        c.p("n1").leaseRead(1);
        Ready r = c.p("n1").ready();
        assertTrue(r.readsReady().isEmpty());
        assertEquals(2, r.sendNow().stream().filter(AppendEntriesRequest.class::isInstance).count());
        c.inFlight.addAll(r.sendNow());
        c.settle();
        assertEquals(List.of(new Ready.ReadReady(1, 1)), c.m("n1").readsReady);
    }

    @Test
    void aLeaderThatSentTimeoutNowServesNoReadFromItsLease() {
        FeatureCluster c = leaderWithFreshRound(FeatureCluster.options().build());
        assertTrue(c.p("n1").holdsLease());

        assertTrue(c.p("n1").transferLeadership(id("n2")));
        c.p("n1").leaseRead(3);
        Ready r = c.p("n1").ready();
        assertTrue(r.sendNow().stream().anyMatch(TimeoutNowRequest.class::isInstance), "n2 is caught up: TimeoutNow");
        assertTrue(r.readsReady().isEmpty(), "n2 may already be leader: the lease proves nothing any more");
        assertFalse(c.p("n1").holdsLease());
    }

    @Test
    void aLeaderTransferringLeadershipServesNoLeaseReadEvenBeforeTimeoutNow() {
        FeatureCluster c = leaderWithFreshRound(FeatureCluster.options().build());
        c.cut("n1", "n2");
        c.propose("n1", "x");                                   // n2 lags: no TimeoutNow yet
        c.settle();
        assertTrue(c.p("n1").holdsLease());

        c.p("n1").transferLeadership(id("n2"));
        c.p("n1").leaseRead(3);
        Ready r = c.p("n1").ready();
        assertTrue(r.sendNow().stream().noneMatch(TimeoutNowRequest.class::isInstance));
        assertTrue(r.readsReady().isEmpty(), "a leader that started a transfer serves no lease read");
        assertFalse(c.p("n1").holdsLease());
    }

    @Test
    void tickOfManyTicksAdvancesTheLeaseClockByThatMany() {
        RaftOptions options = FeatureCluster.options().build();
        FeatureCluster c = leaderWithFreshRound(options);
        c.p("n1").tick(options.leaseTicks() - 1);
        c.drop(m -> true);
        assertTrue(c.p("n1").holdsLease());
        c.p("n1").tick(1);
        assertFalse(c.p("n1").holdsLease(), "tick(n) counts like n ticks");

        // Timers fire as if ticked one by one: tick(heartbeatTicks) starts a heartbeat round.
        FeatureCluster h = leaderWithFreshRound(options);
        h.p("n1").tick(options.heartbeatTicks());
        assertEquals(2, h.p("n1").ready().sendNow().stream().filter(AppendEntriesRequest.class::isInstance).count());

        // A long stall (GC pause): far more ticks than tick(n) runs one by one.
        FeatureCluster d = leaderWithFreshRound(options);
        d.p("n1").tick(10_000);
        assertFalse(d.p("n1").holdsLease(), "a lease must not survive a stall");
        assertEquals(RaftRole.FOLLOWER, d.p("n1").role(),
                "no acknowledgement during 10000 ticks: check-quorum fired during the stall");
        d.p("n1").leaseRead(4);
        Ready r = d.p("n1").ready();
        assertTrue(r.readsReady().isEmpty(), "answered from a lease after a 10000-tick stall: " + r.readsReady());
    }

    @Test
    void aFollowerReadGetsTheLeadersIndexConfirmedByAHeartbeatRound() {
        FeatureCluster c = leaderWithFreshRound(FeatureCluster.options().build());
        // x commits on n1; n2 has it but does not know it is committed yet.
        c.propose("n1", "x");
        c.deliverOnce(is(AppendEntriesRequest.class));
        c.deliverOnce(is(AppendEntriesResponse.class));
        c.drop(is(AppendEntriesRequest.class));                 // n1 telling followers the new commit index
        assertEquals(2, c.p("n1").commitIndex());
        assertEquals(1, c.p("n2").commitIndex());

        c.readIndex("n2", 5);
        List<RaftMessage> asked = c.inFlight(from("n2"));
        assertEquals(1, asked.size());
        ReadIndexRequest request = (ReadIndexRequest) asked.get(0);
        assertEquals(List.of(id("n2"), id("n1"), 1L), List.of(request.from(), request.to(), request.term()));
        c.deliverOnce(is(ReadIndexRequest.class));
        assertTrue(c.inFlight(is(ReadIndexResponse.class)).isEmpty(), "the leader first confirms with a round");
        assertEquals(2, c.inFlight(is(AppendEntriesRequest.class)).size(), "a heartbeat round to both followers");

        c.deliverOnce(is(AppendEntriesRequest.class));
        assertTrue(c.m("n2").readsReady.isEmpty());
        c.deliverOnce(is(AppendEntriesResponse.class));
        List<RaftMessage> answer = c.inFlight(is(ReadIndexResponse.class));
        assertEquals(List.of(new ReadIndexResponse(id("n1"), id("n2"), 1, request.requestId(), 2, true)), answer);
        c.deliverOnce(is(ReadIndexResponse.class));
        assertEquals(List.of(new Ready.ReadReady(5, 2)), c.m("n2").readsReady,
                "ready at the leader's commit index, not the follower's");
    }

    @Test
    void aFollowerWhoseTermChangesFailsItsForwardedReads() {
        FeatureCluster c = leaderWithFreshRound(FeatureCluster.options().build());
        c.readIndex("n2", 5);
        RaftMessage request = c.inFlight(is(ReadIndexRequest.class)).get(0);
        c.drop(m -> m == request);

        // Leadership moves to n3 in term 2.
        c.p("n1").transferLeadership(id("n3"));
        c.process(c.m("n1"));
        c.settle();
        assertEquals(RaftRole.LEADER, c.p("n3").role());
        assertEquals(2, c.p("n2").term());
        assertEquals(List.of(new Ready.ReadFailed(5, null)), c.m("n2").readsFailed);

        // A late answer from the old leader's term must not complete the read.
        c.step("n2", new ReadIndexResponse(id("n1"), id("n2"), 1, 5, 1, true));
        assertTrue(c.m("n2").readsReady.isEmpty());
    }

    /**
     * The lease relies on followers refusing votes for an election timeout after hearing from the leader (§4.2.3). A
     * follower that restarts forgets it heard from the leader and votes at once, so another leader can be elected and
     * commit while the old leader still counts that follower's acknowledgement toward its lease.
     *
     * <p>Here the link n1–n3 is broken (n2 hears both). n2 acknowledges n1's round, then restarts just as n3's pre-vote
     * arrives; n3 wins term 2 with n2 and commits x; n1 still answers a lease read at an index without x.
     */
    @Test
    void aFollowerRestartedDuringTheLeaseDoesNotHelpElectAnotherLeaderBeforeTheLeaseRunsOut() {
        FeatureCluster c = leaderWithFreshRound(FeatureCluster.options().build());
        c.cut("n1", "n3");
        for (int i = 0; i < 3 * c.options.electionTimeoutMaxTicks()
                && c.inFlight(from("n3").and(to("n2")).and(is(RequestVoteRequest.class))).isEmpty(); i++) {
            c.settle();
            c.tick("n1");
            c.tick("n2");
            c.tick("n3");
        }
        assertEquals(RaftRole.PRE_CANDIDATE, c.p("n3").role());
        assertTrue(c.p("n1").holdsLease(), "n2 keeps acknowledging n1's rounds");

        c.restart("n2");
        c.settle(involving("n1"));                              // n1 hears nothing for now
        for (int i = 0; i < 5 && c.p("n3").role() != RaftRole.LEADER; i++) {
            c.tick("n3");
            c.settle(involving("n1"));
        }
        boolean elected = c.p("n3").role() == RaftRole.LEADER;
        long xIndex = -1;
        if (elected) {
            xIndex = c.propose("n3", "x").index();
            c.settle(involving("n1"));
            assertEquals(xIndex, c.p("n3").commitIndex());
        }
        long committedElsewhere = xIndex;

        c.p("n1").leaseRead(9);
        Ready r = c.p("n1").ready();
        assertTrue(r.readsReady().stream().allMatch(read -> read.readIndex() >= committedElsewhere),
                "n3 was elected with the vote of a restarted n2 and committed x at " + committedElsewhere
                        + " while n1's lease still held: stale lease read " + r.readsReady());
    }
}
