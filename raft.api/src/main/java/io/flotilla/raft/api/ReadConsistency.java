package io.flotilla.raft.api;

/**
 * How fresh a read must be, chosen per request. Each mode makes a different assumption; pick the weakest one the
 * application can live with.
 */
public enum ReadConsistency {
    /**
     * Linearizable through ReadIndex (thesis §6.4), the default: the leader confirms with a round of heartbeats that it
     * still leads, and the read waits until the local state machine has applied the leader's commit index. Works on
     * followers too (they ask the leader for the index). Assumes nothing about clocks.
     */
    LINEARIZABLE,
    /**
     * Linearizable through a leader lease (thesis §6.4.1): no round trip while the lease holds. The lease is the
     * shortest election timeout minus {@link RaftOptions#clockDriftBoundPercent()}, counted from when a majority's
     * acknowledged heartbeats were sent. Assumes clock rates differ by less than that bound and requires
     * {@link RaftOptions#checkQuorum()}; falls back to {@link #LINEARIZABLE} when no lease is held or on a follower.
     */
    LEASE,
    /**
     * Whatever this member has applied, with no coordination: may be arbitrarily stale (e.g. on a partitioned
     * follower), but never shows uncommitted data.
     */
    STALE
}
