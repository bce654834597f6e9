package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.LogEntry;
import java.util.List;

/**
 * Which committed entries are handed to the state machine, and when: every entry that is committed and durable here
 * (a member applies only what its own log holds), in order, each once, but at most {@link #MAX_BACKLOG} beyond what
 * the state machine has applied, so a slow state machine bounds the apply queue's memory instead of growing it.
 *
 * <p>Part of the pure protocol.
 */
final class ApplyWindow {

    /** Committed entries handed to the state machine but not yet applied, at most. */
    static final int MAX_BACKLOG = 4096;

    /** The last entry handed out. */
    private long handed;
    /** The last entry the state machine reported applied. */
    private long applied;

    /**
     * @param appliedIndex what the state machine holds at start: the first entry handed out is the next one
     */
    ApplyWindow(long appliedIndex) {
        this.handed = appliedIndex;
        this.applied = appliedIndex;
    }

    /** {@return the last index the state machine reported applied} */
    long applied() {
        return applied;
    }

    /** The state machine applied up to {@code index}: the window moves on. */
    void applied(long index) {
        applied = Math.max(applied, index);
    }

    /** A snapshot up to {@code index} replaced the state: nothing up to it is handed out or waited for. */
    void installed(long index) {
        handed = Math.max(handed, index);
        applied = Math.max(applied, index);
    }

    /**
     * Takes the entries to hand out now, and lets the log drop them from memory.
     *
     * @param log         the log
     * @param commitIndex the commit index
     * @return the entries after the last one handed out, up to the commit index, the durable index and the window's end
     */
    List<LogEntry> take(RaftLog log, long commitIndex) {
        long upTo = Math.min(Math.min(commitIndex, log.durableIndex()), applied + MAX_BACKLOG);
        if (upTo <= handed) {
            return List.of();
        }
        List<LogEntry> entries = log.entries(handed + 1, upTo + 1, Long.MAX_VALUE);
        handed += entries.size();
        log.release(handed);
        return entries;
    }
}
