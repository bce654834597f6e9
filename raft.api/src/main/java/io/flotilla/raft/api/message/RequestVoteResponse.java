package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * Voter to candidate: the answer to a {@link RequestVoteRequest}.
 *
 * @param from    the voter
 * @param to      the candidate
 * @param term    the voter's term (for a granted pre-vote: the term of the request)
 * @param granted whether the vote (or pre-vote) is granted
 * @param preVote whether this answers a pre-vote
 */
public record RequestVoteResponse(NodeId from, NodeId to, long term, boolean granted, boolean preVote)
        implements RaftMessage {
}
