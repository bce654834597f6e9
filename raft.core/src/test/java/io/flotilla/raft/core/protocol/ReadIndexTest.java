package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.ProtocolCluster.from;
import static io.flotilla.raft.core.protocol.ProtocolCluster.involving;
import static io.flotilla.raft.core.protocol.ProtocolCluster.is;
import static io.flotilla.raft.core.protocol.ProtocolCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.NodeId;
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
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Linearizable reads (Raft §8, thesis §6.4 ReadIndex, §6.4.1 leases): the read index is the leader's commit index,
 * valid only once the leader has committed an entry of its term and a heartbeat round started after the read has been
 * acknowledged by a majority; reads pending on a leader that steps down fail; followers forward reads to the leader.
 */
class ReadIndexTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");

    /** Three members; n1 leads and has committed an entry of its term, so it can serve reads (thesis §6.4 step 1). */
    private static ProtocolCluster leaderN1WithACommittedEntry() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.propose("n1", "a");
        c.settle();
        return c;
    }

    private static Predicate<RaftMessage> heartbeatOfRound(long round) {
        return m -> m instanceof AppendEntriesRequest ae && ae.readRound() == round;
    }

    private static long roundOf(RaftMessage m) {
        return ((AppendEntriesRequest) m).readRound();
    }

    @Test
    void aLeaderReadWaitsForAHeartbeatRoundAcknowledgedByAMajority() {
        ProtocolCluster c = ProtocolCluster.of(5);
        c.elect("n1");
        c.heartbeat("n1");
        long commit = c.p("n1").commitIndex();
        assertEquals(1, commit);

        c.readIndex("n1", 1);
        assertTrue(c.m("n1").readsReady.isEmpty(), "a read was answered without confirming leadership");
        List<RaftMessage> round = c.inFlight(is(AppendEntriesRequest.class));
        assertEquals(4, round.size(), "the read starts a heartbeat round to every follower at once: " + round);

        c.deliverOnce(to("n2"));
        c.deliverOnce(from("n2"));
        assertTrue(c.m("n1").readsReady.isEmpty(), "n1 and n2 are 2 of 5: not a majority");

        c.deliverOnce(to("n3"));
        c.deliverOnce(from("n3"));
        assertEquals(List.of(new Ready.ReadReady(1, commit)), c.m("n1").readsReady, "n1, n2, n3: a majority of 5");
    }

    @Test
    void acknowledgementsOfARoundStartedBeforeTheReadDoNotConfirmIt() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.tick("n1", c.options.heartbeatTicks());              // a routine heartbeat round, not yet delivered
        List<RaftMessage> earlier = c.inFlight(is(AppendEntriesRequest.class));
        assertEquals(2, earlier.size());
        long earlierRound = roundOf(earlier.get(0));

        c.readIndex("n1", 9);                                   // arrives after that round was sent
        c.deliverOnce(heartbeatOfRound(earlierRound));
        c.deliverOnce(is(AppendEntriesResponse.class));
        assertTrue(c.m("n1").readsReady.isEmpty(),
                "a round sent before the read arrived proves nothing about leadership at the time of the read");

        c.settle();
        assertEquals(List.of(new Ready.ReadReady(9, 1)), c.m("n1").readsReady);
    }

    @Test
    void theReadIndexIsTheCommitIndexWhenTheReadArrived() {
        ProtocolCluster c = leaderN1WithACommittedEntry();
        long commitAtRead = c.p("n1").commitIndex();
        assertEquals(2, commitAtRead);

        c.readIndex("n1", 5);
        c.propose("n1", "b");                                   // written after the read arrived
        c.settle();
        assertEquals(3, c.p("n1").commitIndex());
        assertEquals(List.of(new Ready.ReadReady(5, commitAtRead)), c.m("n1").readsReady);
    }

    @Test
    void oneRoundConfirmsEveryReadWaitingForIt() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.p("n1").readIndex(1);
        c.p("n1").readIndex(2);
        c.p("n1").readIndex(3);
        c.process(c.m("n1"));
        assertEquals(2, c.inFlight(is(AppendEntriesRequest.class)).size(), "one heartbeat per follower, not per read");
        c.settle();
        assertEquals(3, c.m("n1").readsReady.size());
    }

    /**
     * A new leader does not know which entries of earlier terms are committed (thesis §6.4 step 1): x was committed by
     * the previous leader, but the new leader's commit index still predates it. A read must wait for the new leader's
     * first commit (its no-op), or it would miss x.
     */
    @Test
    void readsBeforeTheLeadersFirstCommitOfItsTermWait() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.propose("n1", "x");
        // Lose the leader's notice that x is committed, so n2 holds x without knowing it is committed.
        c.settle(m -> m instanceof io.flotilla.raft.api.message.AppendEntriesRequest a && a.entries().isEmpty()
                && m.to().equals(io.flotilla.raft.api.NodeId.of("n2")));
        long xIndex = c.p("n1").commitIndex();
        assertEquals(2, xIndex);
        assertEquals(1, c.p("n2").commitIndex(), "n2 has x but has not yet learned that it is committed");

        c.isolate("n1");
        c.m("n2").manualDisk = true;
        c.tickUntil("n2", p -> p.role() == RaftRole.CANDIDATE, 100);
        c.completeWrites("n2");                                 // term 2 and self-vote durable: RequestVote leaves
        c.settle();                                             // n3 votes; n2 leads and sends its no-op to n3
        assertEquals(RaftRole.LEADER, c.p("n2").role());
        assertEquals(3, c.p("n2").lastIndex());
        assertEquals(2, c.p("n2").durableIndex(), "n2's own write of its no-op is still under way");
        assertTrue(c.p("n2").commitIndex() < xIndex);

        c.readIndex("n2", 7);
        c.heartbeat("n2");                                      // a round after the read is acknowledged by n3...
        c.heartbeat("n2");
        assertTrue(c.m("n2").readsReady.isEmpty(), "a read was confirmed before the leader committed in its term: "
                + c.m("n2").readsReady);

        c.completeWrites("n2");                                 // ...but only now does the no-op commit
        assertEquals(3, c.p("n2").commitIndex());
        c.settle();
        assertEquals(1, c.m("n2").readsReady.size());
        Ready.ReadReady ready = c.m("n2").readsReady.get(0);
        assertEquals(7, ready.requestId());
        assertTrue(ready.readIndex() >= xIndex, "the read index " + ready.readIndex() + " misses x at " + xIndex);
        assertEquals(c.p("n2").lastIndex(), ready.readIndex(), "the commit index once the no-op committed");
    }

    @Test
    void steppingDownFailsPendingReadsNamingTheNewLeader() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.readIndex("n1", 1);
        c.drop(m -> true);                                      // the confirming round is lost
        assertTrue(c.m("n1").readsFailed.isEmpty());

        c.step("n1", new AppendEntriesRequest(N2, N1, 2, 0, 0, List.of(), 0, 0));

        assertEquals(RaftRole.FOLLOWER, c.p("n1").role());
        assertEquals(List.of(new Ready.ReadFailed(1, N2)), c.m("n1").readsFailed);
        assertTrue(c.m("n1").readsReady.isEmpty());
    }

    @Test
    void steppingDownAlsoFailsReadsParkedUntilTheFirstCommit() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        c.settle(is(AppendEntriesRequest.class));              // elected, but the no-op never arrives
        assertEquals(RaftRole.LEADER, c.p("n1").role());
        c.readIndex("n1", 4);

        c.step("n1", new RequestVoteRequest(NodeId.of("n3"), N1, 5, 9, 9, false, false));

        assertEquals(RaftRole.FOLLOWER, c.p("n1").role());
        assertEquals(List.of(new Ready.ReadFailed(4, null)), c.m("n1").readsFailed);
    }

    @Test
    void aReadOnAMemberThatKnowsNoLeaderFailsAtOnce() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.readIndex("n2", 3);
        assertEquals(List.of(new Ready.ReadFailed(3, null)), c.m("n2").readsFailed);
        assertTrue(c.inFlight.isEmpty());
    }

    @Test
    void aFollowerForwardsItsReadToTheLeaderAndGetsTheLeadersReadIndex() {
        ProtocolCluster c = leaderN1WithACommittedEntry();
        long commit = c.p("n1").commitIndex();

        c.readIndex("n2", 11);
        ReadIndexRequest req = (ReadIndexRequest) c.inFlight(from("n2")).get(0);
        assertEquals(N1, req.to());
        assertTrue(c.m("n2").readsReady.isEmpty());

        c.settle();
        assertEquals(List.of(new Ready.ReadReady(11, commit)), c.m("n2").readsReady);
        assertTrue(c.delivered.stream().anyMatch(m -> m instanceof ReadIndexResponse r && r.success()));
    }

    @Test
    void readsArrivingAtAFollowerTogetherShareOneRequestToTheLeader() {
        ProtocolCluster c = leaderN1WithACommittedEntry();
        long commit = c.p("n1").commitIndex();

        // Thesis §6.4: one leader round confirms every read that arrived before the leader received the request.
        c.p("n2").readIndex(21);
        c.p("n2").readIndex(22);
        c.readIndex("n2", 23);
        List<RaftMessage> asked = c.inFlight(from("n2"));
        assertEquals(1, asked.size(), "one ReadIndexRequest for the three reads: " + asked);

        c.settle();
        assertEquals(List.of(new Ready.ReadReady(21, commit), new Ready.ReadReady(22, commit),
                new Ready.ReadReady(23, commit)), c.m("n2").readsReady);
        assertEquals(1, c.delivered.stream().filter(m -> m instanceof ReadIndexResponse).count(),
                "and one answer serves them all");
    }

    @Test
    void aForwardedReadTheLeaderCannotConfirmFailsOnTheFollowerWithALeaderHint() {
        RaftOptions options = ProtocolCluster.options().checkQuorum(true).build();
        ProtocolCluster c = ProtocolCluster.of(3, options);
        c.elect("n1");
        c.heartbeat("n1");

        c.readIndex("n2", 21);
        c.deliverOnce(is(ReadIndexRequest.class));             // reaches n1, which starts a confirming round
        // From now on n1 hears nothing: it cannot confirm, and check-quorum makes it step down.
        Predicate<RaftMessage> lost = is(ReadIndexResponse.class).negate();
        c.settle(lost);
        for (int i = 0; i < 2 * c.options.electionTimeoutMinTicks() + 1 && c.p("n1").role() == RaftRole.LEADER; i++) {
            c.tick("n1");
            c.settle(lost);
        }
        assertEquals(RaftRole.FOLLOWER, c.p("n1").role(), "check-quorum should have deposed the cut-off leader");

        assertEquals(List.of(new Ready.ReadFailed(21, N1)), c.m("n2").readsFailed,
                "n2 fails the read, naming the leader it knows");
        assertTrue(c.m("n2").readsReady.isEmpty());
    }

    @Test
    void aFollowerFailsItsForwardedReadsWhenANewTermBegins() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.readIndex("n2", 8);
        c.drop(m -> true);
        c.step("n2", new RequestVoteRequest(NodeId.of("n3"), N2, 2, 0, 0, false, false));
        assertEquals(List.of(new Ready.ReadFailed(8, null)), c.m("n2").readsFailed);
        // A late answer from the old leader must not complete it a second time.
        c.step("n2", new ReadIndexResponse(N1, N2, 2, 8, 1, true));
        assertTrue(c.m("n2").readsReady.isEmpty());
    }

    // --------------------------------------------------------------------------------------------------- leases

    @Test
    void aLeaseIsHeldOnlyAfterAMajorityAcknowledgedARecentRound() {
        RaftOptions options = ProtocolCluster.options().checkQuorum(true).build();
        ProtocolCluster c = ProtocolCluster.of(3, options);
        c.elect("n1");
        c.heartbeat("n1");
        assertTrue(c.p("n1").holdsLease());
        c.p("n1").leaseRead(1);
        c.process(c.m("n1"));
        assertEquals(List.of(new Ready.ReadReady(1, 1)), c.m("n1").readsReady, "served at once under the lease");
        assertTrue(c.inFlight.isEmpty(), "no round trip under the lease");

        // Cut off: acknowledgements stop; after the lease length, the lease is gone.
        c.isolate("n1");
        c.tick("n1", options.leaseTicks() + 1);
        assertFalse(c.p("n1").holdsLease());
    }

    /**
     * Thesis §3.10 + §6.4.1: once the leader sends TimeoutNow, the target may be elected at once (voters do not wait
     * out the lease for a transfer), so acknowledgements of rounds started before that must no longer support a lease.
     * Here the transfer looks abandoned to n1 (it never hears of term 2), while n2 already leads term 2.
     */
    @Test
    void aLeaseDoesNotSurviveATimeoutNowThatElectedAnotherLeader() {
        RaftOptions options = ProtocolCluster.options().checkQuorum(true).build();
        ProtocolCluster c = ProtocolCluster.of(3, options);
        c.elect("n1");
        c.heartbeat("n1");

        // n2 lags, so the transfer cannot send TimeoutNow at once.
        c.isolate("n2");
        c.propose("n1", "x");
        c.settle();
        assertTrue(c.p("n1").transferLeadership(N2));
        c.tick("n1", options.electionTimeoutMinTicks() - 4);
        c.settle();
        assertEquals(N2, c.p("n1").transferTarget());

        // n2 is back and catches up at the next heartbeat; n1 sends TimeoutNow; n2 wins term 2 with n3's vote.
        // n1 never hears of term 2.
        c.heal("n2");
        Predicate<RaftMessage> term2ToN1 = to("n1").and(m -> m.term() > 1);
        c.tickAndSettleUntil("n1", p -> c.p("n2").role() == RaftRole.LEADER, options.heartbeatTicks(), term2ToN1);
        assertTrue(c.delivered.stream().anyMatch(TimeoutNowRequest.class::isInstance));
        assertEquals(2, c.p("n2").term());

        // n1's transfer times out; it still believes it leads term 1.
        c.tickAndSettleUntil("n1", p -> p.transferTarget() == null, options.electionTimeoutMinTicks(), term2ToN1);
        assertEquals(RaftRole.LEADER, c.p("n1").role());
        assertEquals(RaftRole.LEADER, c.p("n2").role());

        // n2 commits y; a lease read on n1 now would not see it.
        c.propose("n2", "y");
        c.settle(term2ToN1.or(involving("n1")));
        long yIndex = c.p("n2").lastIndex();
        assertEquals(yIndex, c.p("n2").commitIndex());

        assertFalse(c.p("n1").holdsLease(), "n1 trusts a lease although n2 was elected after its TimeoutNow");
        c.p("n1").leaseRead(99);
        c.process(c.m("n1"));
        assertTrue(c.m("n1").readsReady.stream().noneMatch(r -> r.requestId() == 99 && r.readIndex() < yIndex),
                "stale lease read on the deposed leader: " + c.m("n1").readsReady);
    }
}
