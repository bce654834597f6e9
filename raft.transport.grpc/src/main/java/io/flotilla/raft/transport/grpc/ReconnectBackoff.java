package io.flotilla.raft.transport.grpc;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff between attempts to reach a peer: the interval starts at the minimum, doubles after each attempt
 * up to the maximum, and returns to the minimum once a stream is up. A ±20% jitter keeps members that lost the same peer
 * from reconnecting in lockstep. Used by one sender thread only.
 */
final class ReconnectBackoff {

    private final long minMillis;
    private final long maxMillis;
    private long nextMillis;

    ReconnectBackoff(long minMillis, long maxMillis) {
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
        this.nextMillis = minMillis;
    }

    /**
     * Returns the pause before the next attempt and doubles the one after it, up to the maximum.
     *
     * @return milliseconds to wait, between roughly 80% of the minimum and the maximum
     */
    long nextDelayMillis() {
        long base = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        long jittered = Math.round(base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        return Math.max(1, Math.min(maxMillis, jittered));
    }

    /** Starts over at the minimum pause, after a successful connection. */
    void reset() {
        nextMillis = minMillis;
    }
}
