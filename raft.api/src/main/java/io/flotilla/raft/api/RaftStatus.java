package io.flotilla.raft.api;

import java.util.Optional;

/**
 * A snapshot of what a member knows about itself, for monitoring and for clients that route requests.
 *
 * @param id            this member
 * @param role          its role
 * @param term          its current term
 * @param leader        the leader it knows of in {@code term}, if any
 * @param commitIndex   the highest index it knows to be committed
 * @param appliedIndex  the highest index its state machine has applied
 * @param lastLogIndex  the last index in its log
 * @param configuration the configuration it currently uses (the latest in its log, committed or not: Raft §6)
 */
public record RaftStatus(
        NodeId id,
        RaftRole role,
        long term,
        Optional<NodeId> leader,
        long commitIndex,
        long appliedIndex,
        long lastLogIndex,
        ClusterConfiguration configuration) {
}
