package io.flotilla.raft.api;

/**
 * The state a member must make durable before it answers anyone (Raft §5.1, Figure 2 "Persistent state on all
 * servers"): the latest term it has seen and whom it voted for in that term. Losing it could let a member vote twice
 * in one term and elect two leaders.
 *
 * @param term     the current term, at least 0
 * @param votedFor the candidate voted for in {@code term}, or {@code null} if none
 */
public record PersistentState(long term, NodeId votedFor) {

    /** The state of a member that has never run: term 0, no vote. */
    public static final PersistentState INITIAL = new PersistentState(0, null);

    /**
     * Validates the state.
     *
     * @throws IllegalArgumentException if the term is negative
     *
     * @param term see the record component
     * @param votedFor see the record component
     */
    public PersistentState {
        if (term < 0) {
            throw new IllegalArgumentException("term must be >= 0, got " + term);
        }
    }
}
