package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * Follower to leader: progress of a snapshot transfer.
 *
 * @param from          the follower
 * @param to            the leader
 * @param term          the follower's term
 * @param snapshotIndex the snapshot this answers
 * @param nextOffset    the byte offset the follower expects next; 0 asks the leader to restart the transfer
 * @param done          whether the snapshot is fully received and installed
 */
public record InstallSnapshotResponse(
        NodeId from, NodeId to, long term, long snapshotIndex, long nextOffset, boolean done) implements RaftMessage {
}
