package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftTimeoutException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The results of the commands this member applied while some of its forwarded proposals still waited for the leader
 * to say where it put them, so that a placement that arrives after its entry was applied still gets the entry's
 * result. On an ordered transport the leader's answer comes before the entries it names (see
 * {@code Leadership#handleProposeRequest}), so this is for the rare reordering (a reconnect); without it such a
 * proposal could only end as "outcome unknown".
 *
 * <p>Bounded: at most {@link #MAX_RESULTS} results and {@link #MAX_BYTES} bytes of them, the oldest dropped first, and
 * none kept while no forwarded proposal awaits its placement. Counting is shared by the event loop (which forwards
 * and sees refusals) and the apply thread (which records and settles placements); the results themselves are touched
 * only by the apply thread.
 */
final class RecentResults {

    static final int MAX_RESULTS = 4096;
    static final long MAX_BYTES = 8L << 20;

    private record Result(long term, byte[] value, RuntimeException error) {
    }

    private final NodeId self;
    private final AtomicInteger awaitingPlacement = new AtomicInteger();
    private final LinkedHashMap<Long, Result> results = new LinkedHashMap<>();
    private long bytes;

    RecentResults(NodeId self) {
        this.self = self;
    }

    /** Event loop: a proposal was forwarded to the leader and waits for its placement. */
    void awaitPlacement() {
        awaitingPlacement.incrementAndGet();
    }

    /** A forwarded proposal will not be placed (refused, unknown or past its deadline), or was placed. */
    void placementSettled() {
        awaitingPlacement.decrementAndGet();
    }

    /** Apply thread: {@code entry} was applied with this result (or this deterministic failure). */
    void record(LogEntry entry, byte[] value, RuntimeException error) {
        if (awaitingPlacement.get() <= 0) {
            if (!results.isEmpty()) {
                results.clear();
                bytes = 0;
            }
            return;
        }
        results.put(entry.index(), new Result(entry.term(), value, error));
        bytes += value == null ? 64 : value.length;
        Iterator<Map.Entry<Long, Result>> oldest = results.entrySet().iterator();
        while (results.size() > MAX_RESULTS || bytes > MAX_BYTES) {
            Result dropped = oldest.next().getValue();
            bytes -= dropped.value() == null ? 64 : dropped.value().length;
            oldest.remove();
        }
    }

    /**
     * Apply thread: completes a proposal placed at {@code index}, which this member has applied already, with the
     * result recorded for it; with "overwritten" if a later leader's entry took the index, or "unknown" if the result
     * is no longer kept.
     */
    void complete(long index, PendingProposal proposal) {
        Result r = results.get(index);
        if (r == null) {
            proposal.future().completeExceptionally(new RaftTimeoutException("the proposal forwarded to the leader was"
                    + " applied at index " + index + " before its place was known here; its outcome is unknown"));
        } else if (r.term() != proposal.term()) {
            proposal.future().completeExceptionally(new NotLeaderException(self, null));
        } else if (r.error() != null) {
            proposal.future().completeExceptionally(r.error());
        } else {
            proposal.future().complete(r.value());
        }
    }
}
