package io.flotilla.raft.api;

/** The role a member plays at a moment (Raft §5.1, plus the pre-vote phase of the Raft thesis §9.6). */
public enum RaftRole {
    /** Follows a leader, or waits for one; learners are always followers. */
    FOLLOWER,
    /** Asks whether it could win an election before raising its term (thesis §9.6). */
    PRE_CANDIDATE,
    /** Has raised its term and asks for votes (Raft §5.2). */
    CANDIDATE,
    /** Accepts proposals and replicates the log (Raft §5.3). */
    LEADER
}
