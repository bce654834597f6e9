package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.ProtocolCluster.involving;
import static io.flotilla.raft.core.protocol.ProtocolCluster.is;
import static io.flotilla.raft.core.protocol.ProtocolCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.RaftMessage;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Raft §5.4.2, Committing entries from previous terms, and Figure 8: a leader must not conclude that an entry of an
 * earlier term is committed because it is stored on a majority; only entries of its own term are committed by counting
 * replicas, and earlier entries become committed with them.
 *
 * <p>The scenario (5 members, S1..S5 = n1..n5): index 1 (term 1) everywhere. In term 2, S1 led and wrote 2@2 on S1 and
 * S2. In term 3, S5 led and wrote 2@3 on itself only. Now S1 is elected in term 4 and copies 2@2 to S3 and S4, so 2@2
 * is on a majority — but S5 can still be elected (its last term 3 beats theirs) and overwrite it.
 */
class Section5_4_2_CommitRuleTest {

    private static final Predicate<RaftMessage> APPEND = is(AppendEntriesRequest.class);
    private static final Predicate<RaftMessage> APPEND_RESPONSE = is(AppendEntriesResponse.class);

    /** Figure 8 (c): returns the cluster with S1 leading term 4, 2@2 on S1..S4, and S1's no-op 3@4 on S1 only. */
    private static ProtocolCluster figure8c() {
        // One entry per append, so S3 and S4 can receive 2@2 without S1's no-op 3@4 (as in the figure).
        ProtocolCluster c = ProtocolCluster.of(5, ProtocolCluster.options().maxEntriesPerMessage(1).build());
        c.seed("n1", 3, 1, 2);
        c.seed("n2", 3, 1, 2);
        c.seed("n3", 3, 1);
        c.seed("n4", 3, 1);
        c.seed("n5", 3, 1, 3);

        c.isolate("n5");
        c.tickUntil("n1", p -> p.role() == RaftRole.CANDIDATE, 100);
        c.deliverOnce(m -> true);                               // RequestVote to n2..n4
        c.deliverOnce(m -> true);                               // their votes: n1 leads term 4
        assertEquals(RaftRole.LEADER, c.p("n1").role());
        assertEquals(4, c.p("n1").term());
        assertEquals(3, c.p("n1").lastIndex(), "S1 appended its no-op 3@4");

        c.drop(to("n2"));                                       // S2 never hears S1's no-op here
        assertEquals(2, c.deliverOnce(APPEND));                 // probes at index 2: S3 and S4 reject (too short)
        c.deliverOnce(APPEND_RESPONSE);                         // S1 backs up: 2@2 to S3 and S4
        assertEquals(2, c.deliverOnce(APPEND));                 // S3 and S4 store 2@2
        c.deliverOnce(APPEND_RESPONSE);                         // S1 learns: 2@2 is on S1, S3, S4 (and S2)
        assertEquals(2, c.p("n3").lastIndex());
        assertEquals(2, c.p("n3").termAt(2));
        assertEquals(2, c.p("n4").termAt(2));
        assertEquals(3, c.p("n1").durableIndex(), "S1 itself holds 2@2 and 3@4 durably");
        return c;
    }

    @Test
    void anEntryOfAnEarlierTermIsNotCommittedByCountingReplicas() {
        ProtocolCluster c = figure8c();
        assertTrue(c.p("n1").commitIndex() < 2,
                "2@2 is on a majority but is of an earlier term: committing it now is unsafe (Figure 8); commit index "
                        + c.p("n1").commitIndex());
        assertTrue(c.m("n1").committed.stream().noneMatch(e -> e.index() >= 2));
    }

    @Test
    void figure8d_withoutTheCommitRuleTheEntryWouldBeLost() {
        ProtocolCluster c = figure8c();
        c.drop(m -> true);
        // S1 crashes; S5 times out, and S2, S3, S4 (last term 2 < 3) elect it.
        c.isolate("n1");
        c.heal("n5");
        c.tickAndSettleUntil("n5", p -> p.role() == RaftRole.LEADER, 10 * c.options.electionTimeoutMaxTicks(),
                m -> false);
        assertEquals(RaftRole.LEADER, c.p("n5").role());

        for (String id : new String[]{"n2", "n3", "n4"}) {
            assertEquals(3, c.p(id).termAt(2), id + ": 2@2 was overwritten by 2@3 — so it had never been committed");
        }
        for (ProtocolCluster.Member m : c.members()) {
            assertTrue(m.committed.stream().noneMatch(e -> e.index() == 2 && e.term() == 2),
                    m.id + " applied 2@2, which was later overwritten: State Machine Safety violated");
        }
        c.heartbeat("n5");
        assertTrue(c.p("n2").commitIndex() >= 2, "the new leader commits 2@3 along with its own no-op");
    }

    @Test
    void figure8e_onceAnEntryOfItsOwnTermIsOnAMajorityTheEarlierOneCommitsWithIt() {
        ProtocolCluster c = figure8c();
        // S1's no-op 3@4 reaches S3 and S4: now index 3, of S1's term, is on a majority.
        assertEquals(2, c.deliverOnce(APPEND.and(m -> ((AppendEntriesRequest) m).entries().stream()
                .anyMatch(e -> e.term() == 4))));
        c.deliverOnce(APPEND_RESPONSE);

        assertEquals(3, c.p("n1").commitIndex());
        assertEquals(java.util.List.of(1L, 2L, 3L), c.m("n1").committed.stream().map(LogEntry::index).toList());
        assertEquals(2, c.m("n1").committed.get(1).term(), "2@2 committed indirectly, by 3@4");

        // And now S5 can no longer win: S3 and S4 hold a later last term than S5 (4 > 3).
        c.isolate("n1");
        c.heal("n5");
        c.drop(m -> true);
        for (int i = 0; i < 5 * c.options.electionTimeoutMaxTicks(); i++) {
            c.tick("n5");
            c.settle(involving("n1"));
            assertTrue(c.p("n5").role() != RaftRole.LEADER, "S5 was elected and would overwrite committed 2@2");
        }
        assertTrue(c.p("n5").term() >= 5, "S5 should have campaigned beyond S1's term; term " + c.p("n5").term());
        assertEquals(2, c.p("n3").termAt(2));
        assertEquals(4, c.p("n3").termAt(3), "S3 still holds S1's committed entries");
    }
}
