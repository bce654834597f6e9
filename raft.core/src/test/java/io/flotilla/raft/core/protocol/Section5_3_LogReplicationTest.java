package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.ProtocolCluster.appendWithEntries;
import static io.flotilla.raft.core.protocol.ProtocolCluster.concat;
import static io.flotilla.raft.core.protocol.ProtocolCluster.from;
import static io.flotilla.raft.core.protocol.ProtocolCluster.is;
import static io.flotilla.raft.core.protocol.ProtocolCluster.repeat;
import static io.flotilla.raft.core.protocol.ProtocolCluster.to;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.RaftMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft §5.3, Log replication: the leader appends and replicates; followers run the consistency check, drop a
 * conflicting suffix and append; the leader backs up after a rejection (with the conflict hints, a term per round
 * trip); the follower's commit index follows {@code min(leaderCommit, index of last new entry)}; answers are sent only
 * after the write; appends are pipelined within a window.
 */
class Section5_3_LogReplicationTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");

    @Test
    void aProposalGoesToTheFollowersBeforeTheLeadersOwnWrite() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        RaftProtocol n1 = c.p("n1");
        long prevIndex = n1.lastIndex();
        long prevTerm = n1.termAt(prevIndex);

        ProposalResult res = n1.propose(ProtocolCluster.bytes("x"));
        Ready r = n1.ready();

        assertTrue(res.accepted());
        assertEquals(prevIndex + 1, res.index());
        assertEquals(1, res.term());
        assertEquals(List.of(res.index()), r.entriesToPersist().stream().map(LogEntry::index).toList());
        List<RaftMessage> appends = r.sendNow().stream().filter(AppendEntriesRequest.class::isInstance).toList();
        assertEquals(2, appends.size(), "an AppendEntries to each follower in sendNow: " + r.sendNow());
        for (RaftMessage m : appends) {
            AppendEntriesRequest ae = (AppendEntriesRequest) m;
            assertEquals(prevIndex, ae.prevLogIndex());
            assertEquals(prevTerm, ae.prevLogTerm());
            assertEquals(r.entriesToPersist(), ae.entries());
            assertEquals(1, ae.term());
        }
        assertTrue(r.sendAfterPersist().stream().noneMatch(AppendEntriesRequest.class::isInstance));
    }

    @Test
    void followerRejectsAMismatchedPrevLogTermWithConflictHints() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n2", 2, 1, 1, 2, 2, 2);
        RaftProtocol n2 = c.p("n2");

        n2.step(new AppendEntriesRequest(N1, N2, 3, 5, 3, List.of(LogEntry.command(6, 3, new byte[0])), 0, 0));
        Ready r = n2.ready();

        AppendEntriesResponse resp = (AppendEntriesResponse) single(r.sendAfterPersist());
        assertTrue(r.sendNow().isEmpty(), "answers wait for the write: " + r.sendNow());
        assertFalse(resp.success());
        assertEquals(5, resp.matchIndex(), "the rejected prevLogIndex");
        assertEquals(2, resp.conflictTerm(), "the follower's term at prevLogIndex");
        assertEquals(3, resp.conflictIndex(), "the first index of that term in the follower's log");
        assertTrue(r.entriesToPersist().isEmpty());
        assertArrayEquals(new long[]{1, 1, 2, 2, 2}, c.m("n2").terms(), "a rejected append changes nothing");
    }

    @Test
    void followerWithAShortLogRejectsWithItsLengthAsTheHint() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n2", 2, 1, 1, 2);
        RaftProtocol n2 = c.p("n2");

        n2.step(new AppendEntriesRequest(N1, N2, 3, 9, 3, List.of(), 0, 0));
        AppendEntriesResponse resp = (AppendEntriesResponse) single(n2.ready().sendAfterPersist());

        assertFalse(resp.success());
        assertEquals(0, resp.conflictTerm());
        assertEquals(4, resp.conflictIndex(), "last index + 1");
    }

    @Test
    void aConflictingSuffixIsTruncatedAndReplaced() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n2", 2, 1, 1, 2, 2);
        RaftProtocol n2 = c.p("n2");

        LogEntry e3 = LogEntry.command(3, 3, ProtocolCluster.bytes("new3"));
        c.step("n2", new AppendEntriesRequest(N1, N2, 3, 2, 1, List.of(e3), 0, 0));

        assertArrayEquals(new long[]{1, 1, 3}, c.m("n2").terms(), "entry 3@2 and everything after it replaced");
        assertEquals(3, c.m("n2").store.lastIndex(), "the disk holds the replaced log");
        assertEquals(3, c.m("n2").store.termAt(3));
        assertEquals(1, n2.truncations());
        AppendEntriesResponse resp = (AppendEntriesResponse) c.inFlight(from("n2")).get(0);
        assertTrue(resp.success());
        assertEquals(3, resp.matchIndex());
    }

    @Test
    void entriesAlreadyPresentAreNotRewrittenAndTheTailIsKept() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n2", 1, 1, 1, 1, 1);
        RaftProtocol n2 = c.p("n2");
        List<LogEntry> first2 = c.m("n2").log().subList(0, 2);

        // A delayed, duplicated append of entries 1..2: nothing conflicts, so nothing may be dropped (§5.3 step 3).
        n2.step(new AppendEntriesRequest(N1, N2, 1, 0, 0, first2, 0, 0));
        Ready r = n2.ready();

        assertTrue(r.entriesToPersist().isEmpty(), "nothing new to write: " + r.entriesToPersist());
        assertEquals(4, n2.lastIndex(), "the matching tail after the append must be kept");
        assertEquals(0, n2.truncations());
        AppendEntriesResponse resp = (AppendEntriesResponse) single(r.sendAfterPersist());
        assertTrue(resp.success());
        assertEquals(2, resp.matchIndex(), "only what this request proves is reported as matching");
    }

    /** The leader backs up a whole term per round trip, not one index: Figure 7 (f)-like follower. */
    @Test
    void leaderSkipsATermTheLeaderDoesNotHaveInOneRoundTrip() {
        ProtocolCluster c = ProtocolCluster.of(3);
        long[] leaderLog = concat(repeat(1, 10), repeat(3, 10));            // 1..10 @1, 11..20 @3
        c.seed("n1", 3, leaderLog);
        c.seed("n3", 3, leaderLog);
        c.seed("n2", 2, concat(repeat(1, 10), repeat(2, 50)));             // 1..10 @1, 11..60 @2 (stale)

        c.elect("n1");

        List<AppendEntriesResponse> rejections = rejectionsFrom(c, "n2");
        assertEquals(1, rejections.size(), "one rejection should skip all of term 2; got " + rejections);
        assertEquals(2, appendsTo(c, "n2").size(), "probe, then the matching append: " + appendsTo(c, "n2"));
        assertEquals(10, appendsTo(c, "n2").get(1).prevLogIndex(), "the second try starts after the last @1 entry");
        assertArrayEquals(c.m("n1").terms(), c.m("n2").terms(), "n2's log now equals the leader's");
        assertEquals(21, c.p("n2").lastIndex(), "n2's stale entries 22..60 are gone");
    }

    @Test
    void leaderJumpsToTheEndOfTheConflictTermWhenItHasThatTermToo() {
        ProtocolCluster c = ProtocolCluster.of(3);
        long[] leaderLog = concat(repeat(1, 5), repeat(2, 3), repeat(3, 4)); // 1..5 @1, 6..8 @2, 9..12 @3
        c.seed("n1", 3, leaderLog);
        c.seed("n3", 3, leaderLog);
        c.seed("n2", 2, concat(repeat(1, 5), repeat(2, 25)));              // 6..30 @2

        c.elect("n1");

        assertEquals(1, rejectionsFrom(c, "n2").size());
        List<AppendEntriesRequest> appends = appendsTo(c, "n2");
        assertEquals(2, appends.size());
        assertEquals(8, appends.get(1).prevLogIndex(),
                "the leader holds term 2 up to index 8, so it resumes right after it, not at the follower's index 6");
        assertArrayEquals(c.m("n1").terms(), c.m("n2").terms());
    }

    @Test
    void leaderCatchesUpAShortLogInOneRoundTrip() {
        ProtocolCluster c = ProtocolCluster.of(3);
        long[] leaderLog = concat(repeat(1, 3), repeat(2, 37));
        c.seed("n1", 2, leaderLog);
        c.seed("n3", 2, leaderLog);
        c.seed("n2", 1, 1, 1, 1);

        c.elect("n1");

        assertEquals(1, rejectionsFrom(c, "n2").size());
        assertEquals(3, appendsTo(c, "n2").get(1).prevLogIndex());
        assertArrayEquals(c.m("n1").terms(), c.m("n2").terms());
        assertEquals(41, c.p("n2").lastIndex());
    }

    /**
     * Figure 2, AppendEntries step 5: {@code commitIndex = min(leaderCommit, index of last new entry)}. The follower
     * holds a stale tail (3@2, 4@2) past a short append; the leader's commit index 4 covers the leader's entries 3@3,
     * 4@3, not the follower's. Using the follower's last index instead would commit entries that are not the leader's.
     */
    @Test
    void followerCommitIndexIsCappedByTheLastNewEntryNotByItsLastIndex() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n2", 2, 1, 1, 2, 2);
        RaftProtocol n2 = c.p("n2");
        List<LogEntry> first2 = c.m("n2").log().subList(0, 2);

        c.step("n2", new AppendEntriesRequest(N1, N2, 3, 1, 1, List.of(first2.get(1)), 4, 0));

        assertEquals(2, n2.commitIndex(), "min(leaderCommit 4, last new entry 2)");
        assertEquals(List.of(1L, 2L), c.m("n2").committed.stream().map(LogEntry::index).toList(),
                "the stale 3@2 and 4@2 must never be applied");

        // The next append replaces the stale tail; now the commit index can reach 4.
        LogEntry e3 = LogEntry.command(3, 3, new byte[]{3});
        LogEntry e4 = LogEntry.command(4, 3, new byte[]{4});
        c.step("n2", new AppendEntriesRequest(N1, N2, 3, 2, 1, List.of(e3, e4), 4, 0));
        assertEquals(4, n2.commitIndex());
        assertEquals(List.of(first2.get(0), first2.get(1), e3, e4), c.m("n2").committed);
    }

    @Test
    void heartbeatCommitIsCappedByItsPrevLogIndex() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.seed("n2", 2, 1, 1, 2, 2);
        // An empty append at index 1 proves nothing about entries 2..4.
        c.step("n2", new AppendEntriesRequest(N1, N2, 3, 1, 1, List.of(), 4, 0));
        assertEquals(1, c.p("n2").commitIndex());
        // And the commit index never exceeds leaderCommit.
        c.step("n2", new AppendEntriesRequest(N1, N2, 3, 2, 1, List.of(), 1, 0));
        assertEquals(1, c.p("n2").commitIndex());
    }

    @Test
    void followerAnswersAppendsAfterTheirWriteAndHeartbeatsAtOnce() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.propose("n1", "x");
        AppendEntriesRequest append = (AppendEntriesRequest) c.inFlight(to("n2").and(appendWithEntries())).get(0);
        RaftProtocol n2 = c.p("n2");

        n2.step(append);
        Ready r = n2.ready();
        assertEquals(append.entries(), r.entriesToPersist());
        assertTrue(r.sendNow().isEmpty(), "an answer before the write would promise what is not durable");
        AppendEntriesResponse resp = (AppendEntriesResponse) single(r.sendAfterPersist());
        assertTrue(resp.success());
        assertEquals(append.prevLogIndex() + 1, resp.matchIndex());

        // A heartbeat at an entry not yet durable here (x, index 2) waits for the write like any answer.
        n2.step(new AppendEntriesRequest(N1, N2, 1, 2, 1, List.of(), 1, 7));
        Ready notYet = n2.ready();
        assertTrue(notYet.sendNow().isEmpty(), "a match at index 2 is not durable yet");
        assertEquals(2, ((AppendEntriesResponse) single(notYet.sendAfterPersist())).matchIndex());

        // A heartbeat at a durable entry (the leader's no-op, index 1) is answered at once, its read round with it:
        // the answer promises nothing the pending write could take back, so read rounds do not wait for this disk.
        n2.step(new AppendEntriesRequest(N1, N2, 1, 1, 1, List.of(), 1, 8));
        Ready hb = n2.ready();
        assertTrue(hb.sendAfterPersist().isEmpty());
        AppendEntriesResponse ack = (AppendEntriesResponse) single(hb.sendNow());
        assertTrue(ack.success());
        assertEquals(1, ack.matchIndex());
        assertEquals(8, ack.readRound());
    }

    @Test
    void aCommittedEntryReachesEveryFollowerAndEveryLogIsTheSame() {
        ProtocolCluster c = ProtocolCluster.of(5);
        c.elect("n1");
        for (int i = 0; i < 10; i++) {
            c.propose("n1", "cmd" + i);
        }
        c.settle();
        c.heartbeat("n1");
        for (ProtocolCluster.Member m : c.members()) {
            assertEquals(11, m.p().commitIndex(), m.id + " commit index");
            assertEquals(c.m("n1").log(), m.log(), m.id + " log");
            assertEquals(c.m("n1").log(), m.committed, m.id + " applied");
        }
    }

    @Test
    void pipeliningKeepsAtMostTheWindowOfAppendsInFlight() {
        RaftOptions options = ProtocolCluster.options().maxInflightAppends(3).maxEntriesPerMessage(1).build();
        ProtocolCluster c = ProtocolCluster.of(3, options);
        c.elect("n1");
        c.heartbeat("n1");
        assertTrue(c.inFlight.isEmpty());

        for (int i = 0; i < 10; i++) {
            c.propose("n1", "cmd" + i);
        }
        List<RaftMessage> toN2 = c.inFlight(to("n2").and(appendWithEntries()));
        assertEquals(3, toN2.size(), "window of 3 (one entry each) without waiting for answers: " + toN2);
        assertEquals(List.of(2L, 3L, 4L), toN2.stream().map(m -> ((AppendEntriesRequest) m).entries().get(0).index())
                .toList());

        // Acknowledge the first: exactly one more may go.
        c.deliverOnce(m -> m == toN2.get(0));
        c.deliverOnce(is(AppendEntriesResponse.class).and(from("n2")));
        List<RaftMessage> next = c.inFlight(to("n2").and(appendWithEntries()));
        assertEquals(3, next.size());
        assertEquals(5, ((AppendEntriesRequest) next.get(2)).entries().get(0).index());

        c.settle();
        assertEquals(11, c.p("n1").commitIndex());
        assertEquals(c.m("n1").log(), c.m("n2").log());
    }

    @Test
    void aWindowOfOneSendsOneAppendAtATime() {
        RaftOptions options = ProtocolCluster.options().maxInflightAppends(1).maxEntriesPerMessage(1).build();
        ProtocolCluster c = ProtocolCluster.of(3, options);
        c.elect("n1");
        c.heartbeat("n1");
        for (int i = 0; i < 5; i++) {
            c.propose("n1", "cmd" + i);
        }
        assertEquals(1, c.inFlight(to("n2").and(appendWithEntries())).size());
    }

    @Test
    void lostAppendsAreSentAgainAfterAHeartbeatIntervalWithoutProgress() {
        ProtocolCluster c = ProtocolCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        c.propose("n1", "a");
        c.propose("n1", "b");
        assertEquals(2, c.drop(to("n2").and(appendWithEntries())), "both appends to n2 are lost");
        c.settle();
        assertEquals(1, c.p("n2").lastIndex());

        c.heartbeat("n1");
        c.heartbeat("n1");

        assertEquals(c.m("n1").log(), c.m("n2").log(), "n2 recovered the lost entries");
        assertEquals(3, c.p("n2").commitIndex());
    }

    private static List<AppendEntriesResponse> rejectionsFrom(ProtocolCluster c, String id) {
        return c.delivered.stream()
                .filter(m -> m instanceof AppendEntriesResponse r && !r.success() && m.from().equals(NodeId.of(id)))
                .map(AppendEntriesResponse.class::cast)
                .toList();
    }

    /** AppendEntries that carried entries to {@code id} (not heartbeats or commit notices). */
    private static List<AppendEntriesRequest> appendsTo(ProtocolCluster c, String id) {
        return c.delivered.stream()
                .filter(m -> m instanceof AppendEntriesRequest a && m.to().equals(NodeId.of(id))
                        && !a.entries().isEmpty())
                .map(AppendEntriesRequest.class::cast)
                .toList();
    }

    private static RaftMessage single(List<RaftMessage> messages) {
        assertEquals(1, messages.size(), "expected exactly one message, got " + messages);
        return messages.get(0);
    }
}
