package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * Candidate to voter: vote for me (Raft §5.2), or, in the pre-vote phase, would you vote for me (thesis §9.6)?
 *
 * @param from         the candidate
 * @param to           the voter
 * @param term         the candidate's term; in a pre-vote, the term it would use (its current term + 1)
 * @param lastLogIndex index of the candidate's last entry (Raft §5.4.1 election restriction)
 * @param lastLogTerm  term of the candidate's last entry
 * @param preVote      true for a pre-vote, which changes no one's term or vote
 * @param transfer     true when the election follows a leadership transfer, so voters must not ignore it because
 *                     they recently heard from a leader (thesis §3.10, §4.2.3)
 */
public record RequestVoteRequest(
        NodeId from, NodeId to, long term, long lastLogIndex, long lastLogTerm, boolean preVote, boolean transfer)
        implements RaftMessage {
}
