package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * Leader to its chosen successor, once the successor's log is up to date: start an election now (thesis §3.10).
 *
 * @param from the leader
 * @param to   the transfer target
 * @param term the leader's term
 */
public record TimeoutNowRequest(NodeId from, NodeId to, long term) implements RaftMessage {
}
