package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.NodeId;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/** Majority arithmetic, including joint configurations where both the old and the new voters must agree (Raft §6). */
final class Quorum {

    private Quorum() {
    }

    /** Returns whether {@code yes} holds for a majority of the voters (of both halves when joint). */
    static boolean isMajority(ClusterConfiguration config, Predicate<NodeId> yes) {
        return majorityOf(config.voters(), yes)
                && (!config.isJoint() || majorityOf(config.outgoingVoters(), yes));
    }

    /**
     * Returns the highest value that a majority of the voters has reached, e.g. the highest index replicated on a
     * majority; when joint, the smaller of the two halves' values.
     */
    static long majorityValue(ClusterConfiguration config, ToLongFunction<NodeId> value) {
        long v = majorityValue(config.voters(), value);
        return config.isJoint() ? Math.min(v, majorityValue(config.outgoingVoters(), value)) : v;
    }

    private static boolean majorityOf(Set<NodeId> voters, Predicate<NodeId> yes) {
        int count = 0;
        for (NodeId id : voters) {
            if (yes.test(id)) {
                count++;
            }
        }
        return count > voters.size() / 2;
    }

    private static long majorityValue(Set<NodeId> voters, ToLongFunction<NodeId> value) {
        long[] values = voters.stream().mapToLong(value).toArray();
        Arrays.sort(values);
        // With n voters sorted ascending, the value at n - (n/2 + 1) is reached by n/2 + 1 of them: a majority.
        return values[values.length - (values.length / 2 + 1)];
    }
}
