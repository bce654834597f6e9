package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.ProposeRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Proposals made on a follower and forwarded to the leader inside Raft (etcd raft's MsgProp), and the leader's side of
 * it: which forwarded batches it has appended.
 *
 * <p><b>Follower.</b> Proposals queue until the protocol's next {@link RaftProtocol#ready()}, which sends them to the
 * leader as one or more {@link ProposeRequest}s (within the message limits), so a burst of writes costs one message
 * per limit's worth, not one per write. A batch stays in flight until the leader answers: accepted (the commands'
 * indexes and term, so the runtime can wait for them to be applied here) or refused (nothing appended, for certain:
 * see {@code Leadership#handleProposeRequest}). The answer counts even if it comes from a leader since deposed: the
 * entries it placed may still commit, and is awaited for a short grace after a leadership change; then the batch is
 * given up as of unknown outcome. A batch whose answer never comes while its leader stays (a lost message, or a
 * member that cannot rule out having appended it) ends at its proposers' deadlines, of unknown outcome.
 *
 * <p><b>Leader.</b> Transports may repeat or reorder a message (a reconnect, a simulated network). Appending a batch
 * twice would apply a write twice, so the leader remembers which batch ids of each follower's session it appended
 * (a window of the latest ids, so batches that overtook each other are still appended) and ignores a repeat without
 * answering (a refusal could overtake the answer to the original and report appended commands as not appended); a
 * batch too old to tell is ignored too: its proposals end at their deadline, of unknown outcome. The record is per
 * term (a new leader starts empty); a batch of an older term is refused as stale
 * before it gets here.
 *
 * <p>Not thread-safe: owned by the {@link RaftProtocol}.
 */
final class ProposalForwarding {

    /**
     * In-flight batches kept at most. A batch whose answer was lost stays; beyond this bound the oldest are given up
     * as of unknown outcome (their proposers' own deadlines will have expired long before).
     */
    static final int MAX_IN_FLIGHT_BATCHES = 1024;

    /**
     * Sessions (restarts) of one follower the leader tells apart in one term, at most; the batches of any further
     * session are not appended (unanswered, so their proposals end at their deadlines). Bounds the leader's memory.
     */
    static final int MAX_SESSIONS_PER_MEMBER = 64;

    /** What became of forwarded proposals: placed at indexes, or failed (refused, or of unknown outcome). */
    record Outcome(List<Long> ids, boolean placed, long firstIndex, long term, boolean outcomeUnknown) {
    }

    private final LongSupplier sessionSource;
    /** Chosen on first use, so a member that never forwards draws nothing from the protocol's random source. */
    private long session;
    private boolean sessionChosen;
    private long nextBatch;
    private final List<Long> queuedIds = new ArrayList<>();
    private final List<byte[]> queuedCommands = new ArrayList<>();
    private final TreeMap<Long, List<Long>> inFlight = new TreeMap<>();
    /** In-flight batches sent before a leadership change, by batch id: the tick after which they are given up. */
    private final TreeMap<Long, Long> orphanedUntil = new TreeMap<>();
    /** Leader side: per follower, per session of it seen in this term, the batches appended. */
    private final Map<NodeId, Map<Long, Admitted>> appendedBatches = new HashMap<>();

    /**
     * @param sessionSource draws the follower's session number (the protocol's seeded random source)
     */
    ProposalForwarding(LongSupplier sessionSource) {
        this.sessionSource = sessionSource;
    }

    /** Queues a proposal for the next request to the leader. */
    void queue(long proposalId, byte[] command) {
        queuedIds.add(proposalId);
        queuedCommands.add(command);
    }

    boolean hasQueued() {
        return !queuedIds.isEmpty();
    }

    /** Takes the queued proposals' ids, for a refusal; their commands are dropped. */
    List<Long> takeQueuedIds() {
        List<Long> ids = List.copyOf(queuedIds);
        queuedIds.clear();
        queuedCommands.clear();
        return ids;
    }

    /**
     * Turns the queued proposals into requests to {@code leader}, each within the message limits (a command larger
     * than {@code maxBytes} goes alone), and records them as in flight.
     *
     * @param outcomes where batches given up to stay within {@link #MAX_IN_FLIGHT_BATCHES} are reported
     */
    List<ProposeRequest> send(NodeId self, NodeId leader, long term, int maxEntries, long maxBytes,
                              List<Outcome> outcomes) {
        if (!sessionChosen) {
            session = sessionSource.getAsLong();
            sessionChosen = true;
        }
        List<ProposeRequest> requests = new ArrayList<>();
        int start = 0;
        while (start < queuedIds.size()) {
            int end = start;
            long bytes = 0;
            while (end < queuedIds.size() && end - start < maxEntries
                    && (end == start || bytes + queuedCommands.get(end).length <= maxBytes)) {
                bytes += queuedCommands.get(end).length;
                end++;
            }
            long batch = nextBatch++;
            inFlight.put(batch, List.copyOf(queuedIds.subList(start, end)));
            requests.add(new ProposeRequest(self, leader, term, session, batch, queuedCommands.subList(start, end)));
            start = end;
        }
        queuedIds.clear();
        queuedCommands.clear();
        while (inFlight.size() > MAX_IN_FLIGHT_BATCHES) {
            Map.Entry<Long, List<Long>> oldest = inFlight.pollFirstEntry();
            orphanedUntil.remove(oldest.getKey());
            outcomes.add(unknown(oldest.getValue()));
        }
        return requests;
    }

    /**
     * The leader answered a batch.
     *
     * @return what became of its proposals, or null if the batch is not in flight (answered already, given up, or
     *         of another session: sent before this member restarted, when batch ids started over)
     */
    Outcome answered(long session, long batchId, boolean accepted, long firstIndex, long term) {
        if (!sessionChosen || session != this.session) {
            return null;
        }
        List<Long> ids = inFlight.remove(batchId);
        orphanedUntil.remove(batchId);
        if (ids == null) {
            return null;
        }
        return new Outcome(ids, accepted, accepted ? firstIndex : 0, accepted ? term : 0, false);
    }

    /**
     * Leadership changed at tick {@code now}: queued proposals were never sent, so they are refused (the caller may
     * retry them). In-flight batches stay for {@code graceTicks} more: the old leader's answer may still be on its
     * way, and where it put the commands stays true after it lost leadership (the entries commit under the next
     * leader, or are replaced, which the applier tells apart by term). After that they are given up as of unknown
     * outcome ({@link #expire}): a crashed leader never answers, and its clients should hear so before their
     * deadline, so they can retry on the new leader.
     */
    void leaderChanged(long now, long graceTicks, List<Outcome> outcomes) {
        if (!queuedIds.isEmpty()) {
            outcomes.add(new Outcome(takeQueuedIds(), false, 0, 0, false));
        }
        for (Long batch : inFlight.keySet()) {
            orphanedUntil.putIfAbsent(batch, now + graceTicks);
        }
    }

    /** Gives up the in-flight batches whose grace after a leadership change has passed (see leaderChanged). */
    void expire(long now, List<Outcome> outcomes) {
        if (orphanedUntil.isEmpty()) {
            return;
        }
        for (java.util.Iterator<Map.Entry<Long, Long>> it = orphanedUntil.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Long> e = it.next();
            if (e.getValue() > now) {
                continue;
            }
            it.remove();
            List<Long> ids = inFlight.remove(e.getKey());
            if (ids != null) {
                outcomes.add(unknown(ids));
            }
        }
    }

    /**
     * Leader side: whether to append a follower's batch — only if it comes after the last one appended from the same
     * session in this term (see the class comment).
     */
    boolean admit(NodeId from, long session, long batchId) {
        // Every session of the term is kept, not only the newest: a restarted follower starts a new session while
        // a repeat of its old session's batch may still be on the way, and it must still be recognized.
        Map<Long, Admitted> sessions = appendedBatches.computeIfAbsent(from, k -> new HashMap<>());
        Admitted admitted = sessions.get(session);
        if (admitted == null) {
            if (sessions.size() >= MAX_SESSIONS_PER_MEMBER) {
                return false; // a member restarting that often in one term: its new batches go unanswered
            }
            admitted = new Admitted(session);
            sessions.put(session, admitted);
        }
        return admitted.admit(batchId);
    }

    /**
     * One follower session's appended batches: the highest id and which of the {@link #WINDOW} ids below it were
     * appended, so a batch overtaken by a later one (a reordering network) is still appended once, and only once.
     * Below the window a batch is refused: it cannot be told from a repeat.
     */
    private static final class Admitted {
        static final int WINDOW = 1024;
        final long session;
        long highest = -1;
        final java.util.BitSet seen = new java.util.BitSet(WINDOW);

        Admitted(long session) {
            this.session = session;
        }

        boolean admit(long batchId) {
            if (batchId > highest) {
                for (long id = Math.max(highest + 1, batchId - WINDOW + 1); id < batchId; id++) {
                    seen.clear((int) Math.floorMod(id, (long) WINDOW)); // skipped ids: not seen (yet)
                }
                highest = batchId;
                seen.set((int) Math.floorMod(batchId, (long) WINDOW));
                return true;
            }
            if (batchId <= highest - WINDOW) {
                return false;
            }
            int bit = (int) Math.floorMod(batchId, (long) WINDOW);
            if (seen.get(bit)) {
                return false;
            }
            seen.set(bit);
            return true;
        }
    }

    /** Leader side: a new term starts; earlier terms' batches are refused as stale anyway. */
    void newTerm() {
        appendedBatches.clear();
    }

    private static Outcome unknown(List<Long> ids) {
        return new Outcome(ids, false, 0, 0, true);
    }
}
