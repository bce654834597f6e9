package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * Follower to leader: give me a read index for a linearizable read served here (thesis §6.4).
 *
 * @param from      the follower
 * @param to        the leader
 * @param term      the follower's term
 * @param requestId the follower's id for the request, echoed in the response
 */
public record ReadIndexRequest(NodeId from, NodeId to, long term, long requestId) implements RaftMessage {
}
