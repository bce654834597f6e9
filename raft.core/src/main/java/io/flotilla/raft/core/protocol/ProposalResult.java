package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;

/**
 * The immediate answer to {@link RaftProtocol#propose}: either the entry's place in the log, or a refusal.
 *
 * <p>An accepted proposal is not yet committed: the runtime keeps its future until the entry at {@code index} is
 * applied. If the entry applied there has another term, the proposal was overwritten by a later leader and lost.
 *
 * @param accepted whether the entry was appended
 * @param index    the entry's index, if accepted
 * @param term     the entry's term, if accepted
 * @param leader   if refused, the leader this member knows of, or null
 */
public record ProposalResult(boolean accepted, long index, long term, NodeId leader) {

    static ProposalResult accepted(long index, long term) {
        return new ProposalResult(true, index, term, null);
    }

    static ProposalResult notLeader(NodeId leader) {
        return new ProposalResult(false, 0, 0, leader);
    }
}
