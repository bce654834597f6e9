package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * Leader to follower: the answer to a {@link ProposeRequest}. If {@code accepted}, the request's commands are in the
 * leader's log at {@code firstIndex}, {@code firstIndex + 1}, ... in term {@code term}; they commit like any other
 * entry, and the follower completes each proposal when it applies the entry at that index with that term (an entry of
 * another term there means a later leader replaced it: never committed). If refused, nothing was appended.
 *
 * @param from       the member that answers
 * @param to         the follower
 * @param term       the answering member's term; the term of the appended entries when accepted
 * @param session    the request's session: a follower that restarted since must not take the answer for a batch of
 *                   its own that happens to have the same id
 * @param batchId    the request's batch id
 * @param firstIndex the log index of the first command, when accepted; 0 otherwise
 * @param accepted   false only if the member knows it never appended them: it leads this term and is handing
 *                   leadership over, or another member leads this term. A member that cannot know (it may have led
 *                   the request's term before stepping down or restarting) does not answer at all
 */
public record ProposeResponse(NodeId from, NodeId to, long term, long session, long batchId, long firstIndex,
                              boolean accepted) implements RaftMessage {
}
