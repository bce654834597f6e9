package io.flotilla.raft.api;

/** What a {@link LogEntry} carries. */
public enum EntryKind {
    /** An application command, handed to {@link StateMachine#apply(LogEntry)} once committed. */
    COMMAND,
    /** A new cluster configuration (Raft §6); the payload is the engine's encoding of a {@link ClusterConfiguration}. */
    CONFIGURATION,
    /**
     * An empty entry a new leader appends so it can commit entries of earlier terms (Raft §5.4.2, §8): never given to
     * the state machine.
     */
    NO_OP
}
