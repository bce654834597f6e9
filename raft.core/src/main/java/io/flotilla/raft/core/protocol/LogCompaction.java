package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.RaftOptions;

/**
 * Compaction of the log behind snapshots and checkpoints (Raft §7): how far the log may go, given the newest snapshot,
 * the entries kept for slow followers ({@link RaftOptions#snapshotKeepTailEntries()}), what is durable and applied
 * here, and what a leader still needs for a follower it is handing leadership to ({@link Replication#compactionLimit});
 * and the compaction to hand out with the next {@link Ready}. A compaction held back is remembered and retried (the
 * leader retries at its heartbeats).
 *
 * <p>Part of the pure protocol.
 */
final class LogCompaction {

    private final RaftOptions options;
    private final RaftLog log;
    private final MembershipLog membership;
    private final Replication replication;
    /** The newest snapshot or checkpoint index the log may be compacted behind, 0 if none yet. */
    private long wanted;
    /** The compaction to hand out with the next Ready, 0 if none. */
    private long through;

    LogCompaction(RaftOptions options, RaftLog log, MembershipLog membership, Replication replication) {
        this.options = options;
        this.log = log;
        this.membership = membership;
        this.replication = replication;
    }

    /**
     * A durable snapshot covers the log up to {@code snapshotIndex} (or a held-back one is retried with 0).
     *
     * @param snapshotIndex the snapshot's last included index
     * @param appliedIndex  what the state machine has applied: the log is never compacted beyond it
     */
    void snapshotTaken(long snapshotIndex, long appliedIndex) {
        wanted = Math.max(wanted, snapshotIndex);
        long upTo = Math.min(wanted - options.snapshotKeepTailEntries(), log.durableIndex());
        upTo = Math.min(upTo, appliedIndex);
        upTo = replication.compactionLimit(upTo);
        if (upTo > Math.max(log.firstIndex() - 1, through)) {
            membership.rebase(upTo, membership.at(upTo));
            through = upTo;
        }
    }

    /** {@return whether a snapshot was ever taken, so a held-back compaction may be retried} */
    boolean wanted() {
        return wanted > 0;
    }

    /** {@return the compaction for the next Ready (0 if none), which is then handed out} */
    long take() {
        long t = through;
        through = 0;
        return t;
    }
}
