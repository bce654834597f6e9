package io.flotilla.raft.api;

import java.util.Optional;

/**
 * The request needs the leader and this member is not it, or stopped being it before the request finished. If the
 * proposal was already in the log it may still commit: the outcome is unknown.
 */
public final class NotLeaderException extends RaftException {

    private static final long serialVersionUID = 1L;

    private final transient NodeId leader;

    /**
     * Creates the exception.
     *
     * @param self   the member that refused
     * @param leader the leader it knows of, or null
     */
    public NotLeaderException(NodeId self, NodeId leader) {
        super(self + " is not the leader" + (leader == null ? "; no leader is known" : "; the leader is " + leader));
        this.leader = leader;
    }

    /** {@return the leader the refusing member knows of, so that the client can go there directly} */
    public Optional<NodeId> leader() {
        return Optional.ofNullable(leader);
    }

    /** Always true: the leader, or a future one, may accept the request. */
    @Override
    public boolean isRetryable() {
        return true;
    }
}
