package io.flotilla.raft.api;

/**
 * What the engine reports about its own work, for an application's metrics (etcd's
 * {@code etcd_disk_wal_fsync_duration_seconds}). Methods are called on the engine's threads, often: an
 * implementation records and returns (an add to a histogram), never blocks and never throws.
 *
 * <p>The engine's other figures are read, not pushed: {@link RaftNode#status()} (term, leader, commit and applied
 * index) and {@link RaftNode#addLeadershipListener} (leader changes).
 */
public interface RaftMetrics {

    /** Records nothing: the default. */
    RaftMetrics NONE = new RaftMetrics() {
    };

    /**
     * A write of the log (entries, term and vote) was made durable: it was written and synced to disk in one go.
     *
     * @param entries       how many entries the write appended (0 for a term or vote alone)
     * @param durationNanos how long the write and its sync took
     */
    default void logWritten(int entries, long durationNanos) {
    }
}
