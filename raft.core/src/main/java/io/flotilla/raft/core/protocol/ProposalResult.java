package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;

/**
 * The immediate answer to {@link RaftProtocol#propose}: either the entry's place in the log, or a refusal; or, from
 * {@link RaftProtocol#proposeOrForward}, that the proposal goes to the leader (its fate comes in a later
 * {@link Ready#forwarded()}).
 *
 * <p>An accepted proposal is not yet committed: the runtime keeps its future until the entry at {@code index} is
 * applied. If the entry applied there has another term, the proposal was overwritten by a later leader and lost.
 *
 * @param accepted whether the entry was appended
 * @param index    the entry's index, if accepted
 * @param term     the entry's term, if accepted
 * @param leader   if refused, the leader this member knows of, or null
 * @param forwarded whether the proposal was queued for the leader instead (not accepted here, not refused)
 */
public record ProposalResult(boolean accepted, long index, long term, NodeId leader, boolean forwarded) {

    static ProposalResult accepted(long index, long term) {
        return new ProposalResult(true, index, term, null, false);
    }

    static ProposalResult notLeader(NodeId leader) {
        return new ProposalResult(false, 0, 0, leader, false);
    }

    static ProposalResult toLeader(NodeId leader) {
        return new ProposalResult(false, 0, 0, leader, true);
    }
}
