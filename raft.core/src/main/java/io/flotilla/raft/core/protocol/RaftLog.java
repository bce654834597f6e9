package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.LogEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The log as the protocol sees it: the durable part in a {@link StableLog}, followed by an in-memory tail of entries
 * whose write has not yet been acknowledged. Splitting it this way is what lets the runtime persist asynchronously (a
 * leader may replicate entries before its own fsync) while every read stays consistent.
 *
 * <p>The tail also keeps durable entries until they are handed to the state machine ({@link #release}): committing
 * and applying an entry then never reads it back from the log store (issue 13: no read, decode and checksum per
 * entry on the apply path), and a leader feeds followers that keep up from memory too. It is bounded by what is not
 * yet applied, which the protocol bounds ({@link ApplyWindow#MAX_BACKLOG}, flow control, check-quorum).
 *
 * <p>Invariant: entries in the tail take precedence over whatever the stable log holds at the same indexes, because
 * a queued write will replace those (a follower overwriting a conflicting suffix, Raft §5.3).
 */
final class RaftLog {

    private final StableLog stable;
    /**
     * Entries at {@code unstableOffset, unstableOffset + 1, ...}: those not yet acknowledged as durable, preceded by
     * durable ones not yet released.
     */
    private final ArrayList<LogEntry> unstable = new ArrayList<>();
    private long unstableOffset;
    /** Index of the first unstable entry not yet handed to the runtime for writing. */
    private long unhandedFrom;
    /** The highest index known durable on this member: what a leader may count for itself (Raft §5.3 + §5.4.2). */
    private long durableIndex;
    /** Incremented whenever entries are discarded; lets tests check that a leader never overwrites its log. */
    private long truncations;
    /** Payload bytes of the durable entries kept in memory (the front of {@link #unstable}, up to durableIndex). */
    private long retainedBytes;
    /** Durable entries kept in memory at most, by count and by payload bytes; beyond, the oldest are forgotten. */
    static final int MAX_RETAINED_ENTRIES = 4096;
    static final long MAX_RETAINED_BYTES = 32L << 20;

    RaftLog(StableLog stable) {
        this.stable = stable;
        this.unstableOffset = stable.lastIndex() + 1;
        this.unhandedFrom = unstableOffset;
        this.durableIndex = stable.lastIndex();
    }

    long firstIndex() {
        return stable.firstIndex();
    }

    long lastIndex() {
        return unstable.isEmpty() ? stable.lastIndex() : unstableOffset + unstable.size() - 1;
    }

    long lastTerm() {
        return termAt(lastIndex());
    }

    long durableIndex() {
        return durableIndex;
    }

    long truncations() {
        return truncations;
    }

    /**
     * Returns the term at {@code index}, or -1 when the index is not in the log (beyond the end, or compacted away
     * below the snapshot boundary), so callers can treat "unknown" as "does not match".
     */
    long termAt(long index) {
        if (index > lastIndex() || index < firstIndex() - 1) {
            return -1;
        }
        if (!unstable.isEmpty() && index >= unstableOffset) {
            return unstable.get((int) (index - unstableOffset)).term();
        }
        return stable.termAt(index);
    }

    boolean matches(long index, long term) {
        return termAt(index) == term;
    }

    /** Reads {@code [from, to)} within a payload budget, always at least one entry for a non-empty range. */
    List<LogEntry> entries(long from, long to, long maxBytes) {
        List<LogEntry> out = new ArrayList<>();
        long budget = maxBytes;
        long stableEnd = unstable.isEmpty() ? to : Math.min(to, unstableOffset);
        if (from < stableEnd) {
            List<LogEntry> read = stable.read(from, stableEnd, budget);
            out.addAll(read);
            for (LogEntry e : read) {
                budget -= e.size();
            }
            if (out.size() < stableEnd - from) {
                return out;
            }
        }
        for (long i = Math.max(from, unstableOffset); i < to && !unstable.isEmpty(); i++) {
            LogEntry e = unstable.get((int) (i - unstableOffset));
            if (!out.isEmpty() && e.size() > budget) {
                break;
            }
            out.add(e);
            budget -= e.size();
        }
        return out;
    }

    /**
     * Appends entries that follow on from the log, or replace a suffix of it: entries at and after the first new index
     * are discarded. The caller guarantees that committed entries are never replaced.
     */
    void append(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        if (first > lastIndex() + 1) {
            throw new IllegalStateException("append at " + first + " would leave a gap after " + lastIndex());
        }
        if (first <= lastIndex()) {
            truncations++;
        }
        if (unstable.isEmpty() || first < unstableOffset) {
            // Replacing (part of) the durable log, or starting a fresh tail: the write we hand out will overwrite it.
            unstable.clear();
            unstableOffset = first;
        } else {
            unstable.subList((int) (first - unstableOffset), unstable.size()).clear();
        }
        unstable.addAll(entries);
        unhandedFrom = Math.min(unhandedFrom, first);
        if (first - 1 < durableIndex) {
            durableIndex = first - 1;
            retainedBytes = bytesThrough(durableIndex); // a suffix was replaced (rare): count again
        }
    }

    /** Payload bytes of the entries in memory up to {@code index}. */
    private long bytesThrough(long index) {
        long bytes = 0;
        for (int i = 0; i < unstable.size() && unstableOffset + i <= index; i++) {
            bytes += unstable.get(i).size();
        }
        return bytes;
    }

    /**
     * Forgets the whole log after a snapshot was installed: the stable log has been reset to end at {@code index}
     * (see {@link io.flotilla.raft.api.spi.LogStore#reset}), and nothing else is pending.
     */
    void reset(long index) {
        if (!unstable.isEmpty() || lastIndex() > index) {
            truncations++;
        }
        unstable.clear();
        unstableOffset = index + 1;
        unhandedFrom = index + 1;
        durableIndex = index;
        retainedBytes = 0;
    }

    /** Returns the entries that must be written next and marks them handed out. */
    List<LogEntry> takeUnhanded() {
        long last = lastIndex();
        if (unstable.isEmpty() || unhandedFrom > last) {
            unhandedFrom = last + 1;
            return List.of();
        }
        List<LogEntry> out = List.copyOf(unstable.subList((int) (unhandedFrom - unstableOffset), unstable.size()));
        unhandedFrom = last + 1;
        return out;
    }

    /**
     * Records that the write ending with the entry {@code (index, term)} is durable. Writes complete in the order
     * they were handed out, so everything up to it is durable too — unless the tail has since been replaced, which the
     * term check detects; then a later acknowledgement will cover it. The entries stay in memory until
     * {@link #release}d.
     */
    void persisted(long index, long term) {
        if (index <= durableIndex || termAt(index) != term) {
            return;
        }
        for (long i = Math.max(durableIndex + 1, unstableOffset); i <= index && i - unstableOffset < unstable.size();
             i++) {
            retainedBytes += unstable.get((int) (i - unstableOffset)).size();
        }
        durableIndex = index;
        // Bounded: a state machine that falls behind must not make the log pile up in memory; the oldest durable
        // entries are read back from the log store when their turn comes.
        int drop = 0;
        long retained = Math.min(durableIndex - unstableOffset + 1, unstable.size());
        while (drop < retained && (retained - drop > MAX_RETAINED_ENTRIES || retainedBytes > MAX_RETAINED_BYTES)) {
            retainedBytes -= unstable.get(drop).size();
            drop++;
        }
        if (drop > 0) {
            unstable.subList(0, drop).clear();
            unstableOffset += drop;
        }
    }

    /**
     * Forgets the entries through {@code index} that are durable: they were handed to the state machine, and any
     * later read finds them in the stable log.
     */
    void release(long index) {
        long upTo = Math.min(index, durableIndex);
        if (unstable.isEmpty() || upTo < unstableOffset) {
            return;
        }
        int n = (int) Math.min(upTo - unstableOffset + 1, unstable.size());
        for (int i = 0; i < n; i++) {
            retainedBytes -= unstable.get(i).size();
        }
        unstable.subList(0, n).clear();
        unstableOffset += n;
    }

    /** Entries held in memory (not yet durable, or durable but not yet released); for tests and bounds. */
    int inMemory() {
        return unstable.size();
    }

    /**
     * Returns the last index whose term is at most {@code term}, searching {@code [firstIndex() - 1, upTo]}. Terms never
     * decrease along a log, so a binary search finds it with O(log n) reads.
     */
    long lastIndexWithTermAtMost(long term, long upTo) {
        long lo = firstIndex() - 1;
        long hi = Math.min(upTo, lastIndex());
        if (termAt(lo) > term) {
            return lo;
        }
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            if (termAt(mid) <= term) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Returns the first index in {@code [firstIndex(), upTo]} whose term is at least {@code term}. */
    long firstIndexWithTermAtLeast(long term, long upTo) {
        long lo = firstIndex();
        long hi = upTo;
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (termAt(mid) >= term) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
