package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * Follower to leader: the outcome of an {@link AppendEntriesRequest}.
 *
 * <p>On rejection the follower adds a hint so the leader can skip a whole term of mismatching entries in one step
 * instead of one index per round trip (the optimisation sketched at the end of Raft §5.3).
 *
 * @param from          the follower
 * @param to            the leader
 * @param term          the follower's term
 * @param success       whether the entries were appended (and are durable on the follower)
 * @param matchIndex    on success, the last index now known to match the leader's log
 * @param conflictIndex on rejection, the first index the leader should try next: the follower's last index + 1 if its
 *                      log is too short, else the first index of {@code conflictTerm} in the follower's log
 * @param conflictTerm  on rejection, the term of the follower's entry at {@code prevLogIndex}, or 0 if it has none
 * @param readRound     the {@link AppendEntriesRequest#readRound()} being answered
 */
public record AppendEntriesResponse(
        NodeId from, NodeId to, long term, boolean success, long matchIndex, long conflictIndex, long conflictTerm,
        long readRound) implements RaftMessage {
}
