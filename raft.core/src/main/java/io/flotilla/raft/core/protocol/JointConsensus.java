package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Membership changes on the leader (Raft §6, thesis §4.3): a change of voters goes through a joint configuration
 * C<sub>old,new</sub>, in which decisions need majorities of both the old and the new voters; once it commits, the
 * leader appends C<sub>new</sub> by itself, and a leader that is not in C<sub>new</sub> steps down when that commits.
 * Each configuration is in force as soon as it is in the log ({@link MembershipLog}), committed or not.
 *
 * <p>Part of the pure protocol.
 */
final class JointConsensus {

    private final RaftProtocol p;

    JointConsensus(RaftProtocol p) {
        this.p = p;
    }

    /**
     * Appends the first configuration entry of a change, on the leader. A change of learners only is a single step.
     *
     * @param voters   the voters wanted, with their peer addresses
     * @param learners the learners wanted, with their peer addresses
     * @return the entry's index
     * @throws IllegalStateException    if a change is already under way, or a promoted learner lags behind
     * @throws IllegalArgumentException if a voter would become a learner in a change of voters
     */
    long propose(Map<NodeId, String> voters, Map<NodeId, String> learners) {
        ClusterConfiguration config = p.config;
        if (config.isJoint() || p.membership.currentIndex() > p.commitIndex) {
            throw new IllegalStateException("a membership change is already in progress (configuration at index "
                    + p.membership.currentIndex() + ", commit index " + p.commitIndex + ")");
        }
        ClusterConfiguration target = new ClusterConfiguration(voters.keySet(), learners.keySet(), Set.of());
        for (NodeId learner : target.learners()) {
            if (config.voters().contains(learner) && !target.voters().equals(config.voters())) {
                // The joint configuration cannot hold a member as both outgoing voter and learner.
                throw new IllegalArgumentException("voter " + learner + " cannot become a learner in the same change"
                        + " that changes the voters; remove it first, then add it as a learner");
            }
        }
        for (NodeId promoted : target.voters()) {
            Progress pr = p.replication.get(promoted);
            if (config.learners().contains(promoted) && pr != null && pr.matchIndex * 10 < p.log.lastIndex() * 9L) {
                throw new IllegalStateException("learner " + promoted + " is not caught up yet (has " + pr.matchIndex
                        + " of " + p.log.lastIndex() + " entries); promote it later");
            }
        }
        Map<NodeId, String> addresses = new TreeMap<>(p.membership.current().addresses());
        addresses.putAll(voters);
        addresses.putAll(learners);
        ClusterConfiguration next = target.voters().equals(config.voters())
                ? target
                : new ClusterConfiguration(target.voters(), target.learners(), config.voters());
        long index = p.log.lastIndex() + 1;
        p.appendToLog(List.of(new LogEntry(index, p.term, EntryKind.CONFIGURATION,
                MembershipCodec.encode(next, addresses))));
        p.leadership.maybeCommit();
        return index;
    }

    /** The commit index moved on the leader: finish a change whose configuration entry is now committed. */
    void afterCommit() {
        if (p.membership.currentIndex() > p.commitIndex) {
            return;
        }
        ClusterConfiguration config = p.config;
        if (config.isJoint()) {
            // Thesis §4.3: once C(old,new) is committed, the leader moves the cluster to C(new) by itself.
            long index = p.log.lastIndex() + 1;
            ClusterConfiguration next = new ClusterConfiguration(config.voters(), config.learners(), Set.of());
            p.appendToLog(List.of(new LogEntry(index, p.term, EntryKind.CONFIGURATION,
                    MembershipCodec.encode(next, p.membership.current().addresses()))));
            p.leadership.maybeCommit();
        } else if (!config.isVoter(p.self)) {
            // Raft §6: a leader that is not part of the new configuration steps down once it is committed.
            p.becomeFollower(p.term, null);
        }
    }
}
