package io.flotilla.raft.api.message;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import java.util.List;

/**
 * Leader to follower: append these entries after {@code prevLogIndex} (Raft §5.3); with no entries, a heartbeat.
 *
 * @param from         the leader
 * @param to           the follower
 * @param term         the leader's term
 * @param prevLogIndex index of the entry just before {@code entries}
 * @param prevLogTerm  term of that entry; the follower accepts only if its own entry there has this term
 * @param entries      the entries, contiguous from {@code prevLogIndex + 1}; may be empty
 * @param leaderCommit the leader's commit index
 * @param readRound    the leader's heartbeat round, echoed in the response; lets one round confirm leadership for
 *                     every ReadIndex request waiting on it (thesis §6.4)
 */
public record AppendEntriesRequest(
        NodeId from, NodeId to, long term, long prevLogIndex, long prevLogTerm, List<LogEntry> entries,
        long leaderCommit, long readRound) implements RaftMessage {

    /**
     * Freezes the entry list.
     *
     * @param from see the record component
     * @param to see the record component
     * @param term see the record component
     * @param prevLogIndex see the record component
     * @param prevLogTerm see the record component
     * @param entries see the record component
     * @param leaderCommit see the record component
     * @param readRound see the record component
     */
    public AppendEntriesRequest {
        entries = List.copyOf(entries);
    }
}
