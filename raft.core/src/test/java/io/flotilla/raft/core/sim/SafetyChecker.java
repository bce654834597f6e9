package io.flotilla.raft.core.sim;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.core.protocol.RaftProtocol;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the five safety properties of Raft (Figure 3 of the paper) as the simulation runs. Most checks are incremental
 * — they look only at what changed — so they can run after every single simulation step.
 */
final class SafetyChecker {

    private record LeaderMark(long term, long truncations, long lastIndex) {
    }

    private record EntryKey(long index, long term) {
    }

    private record Appended(LogEntry entry, long prevTerm) {
    }

    /** Election Safety: the one leader seen in each term. */
    private final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
    /** Leader Append-Only: what each current leader's log looked like at the previous step. */
    private final Map<NodeId, LeaderMark> leaderMarks = new HashMap<>();
    /** Log Matching: every (index, term) ever appended anywhere, with its content and the term before it. */
    private final Map<EntryKey, Appended> appended = new HashMap<>();
    /** Committed entries known to any member: index -> term. */
    private final Map<Long, Long> committedTerm = new HashMap<>();
    private long maxCommitted;
    /** State Machine Safety: what was applied at each index, anywhere. */
    private final Map<Long, LogEntry> appliedAt = new HashMap<>();
    /** Per member incarnation: how far its commit index has been recorded. */
    private final Map<NodeId, Long> commitChecked = new HashMap<>();

    /** Log Matching, incrementally: an (index, term) pair must always denote the same entry after the same term. */
    void onAppend(RaftProtocol p, List<LogEntry> entries) {
        for (LogEntry e : entries) {
            long prevTerm = p.termAt(e.index() - 1);
            Appended now = new Appended(e, prevTerm);
            Appended before = appended.putIfAbsent(new EntryKey(e.index(), e.term()), now);
            if (before != null && !before.equals(now)) {
                fail("Log Matching", p.self() + " appended " + e + " after term " + prevTerm + ", but "
                        + before.entry() + " after term " + before.prevTerm() + " was appended before");
            }
        }
    }

    /** State Machine Safety: no two members apply different entries at the same index. */
    void onApply(RaftProtocol p, LogEntry entry) {
        recordCommits(p);
        NodeId node = p.self();
        LogEntry before = appliedAt.putIfAbsent(entry.index(), entry);
        if (before != null && !before.equals(entry)) {
            fail("State Machine Safety", node + " applied " + entry + " where " + before + " was applied before");
        }
        Long term = committedTerm.get(entry.index());
        if (term == null || term != entry.term()) {
            fail("State Machine Safety", node + " applied " + entry + " which is not the committed entry (term "
                    + term + ")");
        }
    }

    void onRestart(NodeId node) {
        commitChecked.put(node, 0L);
        leaderMarks.remove(node);
    }

    /** Checks everything that can be seen in the members' current state; called after every step. */
    void afterStep(List<RaftProtocol> live) {
        for (RaftProtocol p : live) {
            recordCommits(p);
        }
        for (RaftProtocol p : live) {
            if (p.role() != RaftRole.LEADER) {
                leaderMarks.remove(p.self());
                continue;
            }
            NodeId previous = leaderOfTerm.putIfAbsent(p.term(), p.self());
            if (previous != null && !previous.equals(p.self())) {
                fail("Election Safety", "both " + previous + " and " + p.self() + " led term " + p.term());
            }
            LeaderMark mark = leaderMarks.get(p.self());
            if (mark == null || mark.term() != p.term()) {
                checkLeaderCompleteness(p);
            } else if (p.truncations() != mark.truncations() || p.lastIndex() < mark.lastIndex()) {
                fail("Leader Append-Only", p.self() + " discarded entries while leading term " + p.term()
                        + " (last index " + mark.lastIndex() + " -> " + p.lastIndex() + ")");
            }
            leaderMarks.put(p.self(), new LeaderMark(p.term(), p.truncations(), p.lastIndex()));
        }
    }

    /** Log Matching, directly: for every pair of logs, the entries up to their last common (index, term) agree. */
    void checkAllLogsMatch(List<RaftProtocol> live) {
        for (int i = 0; i < live.size(); i++) {
            for (int j = i + 1; j < live.size(); j++) {
                RaftProtocol a = live.get(i);
                RaftProtocol b = live.get(j);
                long last = Math.min(a.lastIndex(), b.lastIndex());
                long first = Math.max(a.firstIndex(), b.firstIndex());
                long common = last;
                while (common >= first && a.termAt(common) != b.termAt(common)) {
                    common--;
                }
                if (common >= first && !a.entries(first, common + 1).equals(b.entries(first, common + 1))) {
                    fail("Log Matching", a.self() + " and " + b.self() + " agree on the term at " + common
                            + " but hold different entries before it");
                }
            }
        }
    }

    /** How many configuration entries (joint and final) were committed and applied. */
    long configurationsApplied() {
        return appliedAt.values().stream().filter(e -> e.kind() == io.flotilla.raft.api.EntryKind.CONFIGURATION).count();
    }

    /** Returns the term of the entry committed at {@code index}, or null if none is known to be committed. */
    Long committedTermAt(long index) {
        return committedTerm.get(index);
    }

    long maxCommitted() {
        return maxCommitted;
    }

    private void recordCommits(RaftProtocol p) {
        // Indexes below the log's first index - 1 are covered by a snapshot; they were checked when committed.
        long from = Math.max(commitChecked.getOrDefault(p.self(), 0L) + 1, p.firstIndex() - 1);
        for (long i = from; i <= p.commitIndex(); i++) {
            long term = p.termAt(i);
            Long before = committedTerm.putIfAbsent(i, term);
            if (before != null && before != term) {
                fail("Leader Completeness", p.self() + " committed term " + term + " at index " + i
                        + " where term " + before + " was committed");
            }
            maxCommitted = Math.max(maxCommitted, i);
        }
        commitChecked.put(p.self(), Math.max(from - 1, p.commitIndex()));
    }

    /** Leader Completeness: a new leader's log holds every entry committed in earlier terms. */
    private void checkLeaderCompleteness(RaftProtocol leader) {
        for (long i = Math.max(1, leader.firstIndex() - 1); i <= maxCommitted; i++) {
            Long term = committedTerm.get(i);
            if (term == null) {
                continue;
            }
            if (term < leader.term() && leader.termAt(i) != term) {
                fail("Leader Completeness", leader.self() + " leads term " + leader.term()
                        + " without committed entry " + i + "@" + term + " (holds term " + leader.termAt(i) + ")");
            }
        }
    }

    private static void fail(String property, String detail) {
        throw new SafetyViolation(property + " violated: " + detail);
    }

    /** A broken safety property; the simulation adds the seed and the trace. */
    static final class SafetyViolation extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SafetyViolation(String message) {
            super(message);
        }
    }
}
