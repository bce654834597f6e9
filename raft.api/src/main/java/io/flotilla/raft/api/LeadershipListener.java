package io.flotilla.raft.api;

/**
 * Told when a member's role, term or known leader changes, e.g. to route requests to the new leader at once instead
 * of polling {@link RaftNode#status()}, or to start and stop leader-only work. Register it with
 * {@link RaftNode#addLeadershipListener(LeadershipListener)}.
 *
 * <p>It is called on the engine's event-loop thread, in the order the changes happen, right after each one. It must
 * return quickly: it must not block, and must not wait for anything the engine has yet to do (such as the future of a
 * proposal), or the member stalls.
 */
@FunctionalInterface
public interface LeadershipListener {

    /**
     * Reports a change of role, term or known leader. Commit and apply progress alone do not call it.
     *
     * @param status the member's status just after the change
     */
    void leadershipChanged(RaftStatus status);
}
