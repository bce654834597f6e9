package io.flotilla.raft.api;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who is in the cluster: the voters whose majority decides elections and commitment, and the learners that receive
 * the log without voting.
 *
 * <p>During a membership change the configuration is <em>joint</em> (Raft §6, "C<sub>old,new</sub>"): decisions then
 * need a majority of {@link #voters()} <em>and</em> a majority of {@link #outgoingVoters()}, so no two majorities can
 * decide alone while the change is under way.
 *
 * @param voters         the voting members (the new ones, during a change); never empty
 * @param learners       non-voting members; disjoint from {@code voters}
 * @param outgoingVoters the previous voters while the configuration is joint, otherwise empty
 */
public record ClusterConfiguration(Set<NodeId> voters, Set<NodeId> learners, Set<NodeId> outgoingVoters) {

    /**
     * Validates and freezes the sets (kept sorted, so configurations print and encode the same way everywhere).
     *
     * @throws IllegalArgumentException if there are no voters or a learner is also a voter
     *
     * @param voters see the record component
     * @param learners see the record component
     * @param outgoingVoters see the record component
     */
    public ClusterConfiguration {
        voters = frozen(voters, "voters");
        learners = frozen(learners, "learners");
        outgoingVoters = frozen(outgoingVoters, "outgoingVoters");
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a configuration needs at least one voter");
        }
        for (NodeId learner : learners) {
            if (voters.contains(learner) || outgoingVoters.contains(learner)) {
                throw new IllegalArgumentException(learner + " cannot be both a voter and a learner");
            }
        }
    }

    /**
     * Returns a simple configuration of voters only.
     *
     * @param voters the voting members
     * @return the configuration
     */
    public static ClusterConfiguration ofVoters(Set<NodeId> voters) {
        return new ClusterConfiguration(voters, Set.of(), Set.of());
    }

    /** {@return whether a membership change is under way (Raft §6 joint consensus)} */
    public boolean isJoint() {
        return !outgoingVoters.isEmpty();
    }

    /**
     * Returns whether the member votes: it is a voter of the new or, while joint, of the old configuration.
     *
     * @param id the member
     * @return true for a voter
     */
    public boolean isVoter(NodeId id) {
        return voters.contains(id) || outgoingVoters.contains(id);
    }

    /**
     * Returns whether the member is part of the configuration at all, as voter or learner.
     *
     * @param id the member
     * @return true for a member
     */
    public boolean contains(NodeId id) {
        return isVoter(id) || learners.contains(id);
    }

    /** {@return every member, voters (old and new) and learners, sorted by id} */
    public Set<NodeId> members() {
        TreeSet<NodeId> all = new TreeSet<>(voters);
        all.addAll(outgoingVoters);
        all.addAll(learners);
        return Collections.unmodifiableSet(all);
    }

    private static Set<NodeId> frozen(Set<NodeId> ids, String what) {
        Objects.requireNonNull(ids, what);
        return Collections.unmodifiableSet(new TreeSet<>(ids));
    }
}
