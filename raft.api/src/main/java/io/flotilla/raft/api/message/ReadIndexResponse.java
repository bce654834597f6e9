package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * Leader to follower: the read index, confirmed by a heartbeat round, once the follower has applied up to which its
 * read is linearizable.
 *
 * @param from      the leader
 * @param to        the follower
 * @param term      the leader's term
 * @param requestId the follower's request id
 * @param readIndex the confirmed commit index
 * @param success   false if the leader could not confirm (it lost leadership); the follower then fails the read
 */
public record ReadIndexResponse(NodeId from, NodeId to, long term, long requestId, long readIndex, boolean success)
        implements RaftMessage {
}
