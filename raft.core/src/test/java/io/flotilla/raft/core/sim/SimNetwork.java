package io.flotilla.raft.core.sim;

import io.flotilla.raft.api.NodeId;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The simulated network between members: per-message loss, duplication and delay (random delays reorder messages),
 * and directed link cuts, from which symmetric partitions, one-way partitions and an isolated leader are built.
 */
final class SimNetwork {

    private final SplittableRandom random;
    private final Set<String> cutLinks = new HashSet<>();
    double lossRate;
    double duplicateRate;
    int maxDelayMillis = 5;
    double slowRate;

    SimNetwork(SplittableRandom random) {
        this.random = random;
    }

    boolean canReach(NodeId from, NodeId to) {
        return !cutLinks.contains(from + ">" + to);
    }

    void cut(NodeId from, NodeId to) {
        cutLinks.add(from + ">" + to);
    }

    void healAll() {
        cutLinks.clear();
    }

    void calm() {
        lossRate = 0;
        duplicateRate = 0;
        maxDelayMillis = 5;
        slowRate = 0;
    }

    boolean lose() {
        return random.nextDouble() < lossRate;
    }

    boolean duplicate() {
        return random.nextDouble() < duplicateRate;
    }

    /** A delay in milliseconds: mostly short, sometimes long, which reorders messages. */
    long delay() {
        long d = 1 + random.nextInt(Math.max(1, maxDelayMillis));
        if (random.nextDouble() < slowRate) {
            d += 50 + random.nextInt(400);
        }
        return d;
    }

    String describe() {
        return "loss=" + lossRate + " dup=" + duplicateRate + " maxDelay=" + maxDelayMillis + "ms slow=" + slowRate
                + " cut=" + cutLinks;
    }
}
