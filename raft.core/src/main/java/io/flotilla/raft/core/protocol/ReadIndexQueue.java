package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongPredicate;

/**
 * A leader's linearizable reads waiting for confirmation (Raft thesis §6.4, ReadIndex), its own and those forwarded by
 * followers.
 *
 * <p>A read records the commit index at its arrival, then waits for a heartbeat round that <em>started after it
 * arrived</em> to be answered by a majority: that proves no other leader had been elected when the read arrived, so
 * the recorded commit index covers every write that completed before it. All reads arriving between two rounds share
 * the next round, so one round of heartbeats confirms any number of reads.
 *
 * <p>The same rounds back the leader's lease (thesis §6.4.1): it remembers when each recent round started, and which
 * rounds a lease may no longer count on.
 */
final class ReadIndexQueue {

    /**
     * One read.
     *
     * @param requester the follower that forwarded it, or null for a read made on the leader itself
     * @param requestId the id the requester gave it
     * @param readIndex the commit index when it arrived (set when the leader has committed in its term)
     * @param round     the heartbeat round that must be acknowledged by a majority
     */
    record Pending(NodeId requester, long requestId, long readIndex, long round) {
    }

    private record Parked(NodeId requester, long requestId) {
    }

    private long round;
    private boolean broadcastRequested;
    private final ArrayDeque<Pending> confirming = new ArrayDeque<>();
    /** Reads that arrived before the leader committed an entry of its term (thesis §6.4 step 1). */
    private final ArrayDeque<Parked> awaitingCommit = new ArrayDeque<>();
    /** When each recent round started (protocol ticks); bounded, old rounds are useless for a lease anyway. */
    private final Map<Long, Long> startTicks = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > 1024;
        }
    };
    /** Acknowledgements of rounds before this one do not count toward a lease (set when a transfer may elect another). */
    private long leaseMinRound;

    long round() {
        return round;
    }

    void add(NodeId requester, long requestId, long commitIndex, boolean committedInTerm) {
        if (committedInTerm) {
            confirming.addLast(new Pending(requester, requestId, commitIndex, round + 1));
            broadcastRequested = true;
        } else {
            awaitingCommit.addLast(new Parked(requester, requestId));
        }
    }

    /** The leader has committed its first entry of the term: parked reads may now take the commit index. */
    void leaderCommittedInTerm(long commitIndex) {
        while (!awaitingCommit.isEmpty()) {
            Parked p = awaitingCommit.removeFirst();
            confirming.addLast(new Pending(p.requester(), p.requestId(), commitIndex, round + 1));
            broadcastRequested = true;
        }
    }

    /** Returns whether reads are waiting for a round that has not been started yet. */
    boolean broadcastRequested() {
        return broadcastRequested;
    }

    /** Starts the next heartbeat round at tick {@code now} and returns its number; the caller broadcasts it. */
    long startRound(long now) {
        broadcastRequested = false;
        startTicks.put(++round, now);
        return round;
    }

    /** The tick at which {@code round} started, or a tick long past if it is unknown (too old, or never started). */
    long startTickOf(long round) {
        return startTicks.getOrDefault(round, Long.MIN_VALUE / 2);
    }

    /** The oldest round whose acknowledgement a lease may count. */
    long leaseMinRound() {
        return leaseMinRound;
    }

    /** A lease may count only rounds started from now on (another member may be elected without waiting it out). */
    void distrustRoundsSoFar() {
        leaseMinRound = round + 1;
    }

    /** A new term of leadership: every round may count again (the followers' acknowledgements start afresh). */
    void newTerm() {
        leaseMinRound = 0;
    }

    /** Releases, in order, every read whose round a majority has answered. */
    void confirm(LongPredicate roundAckedByMajority, Consumer<Pending> onConfirmed) {
        while (!confirming.isEmpty() && roundAckedByMajority.test(confirming.peekFirst().round())) {
            onConfirmed.accept(confirming.removeFirst());
        }
    }

    /** Leadership is lost: no waiting read can be confirmed any more. */
    void failAll(Consumer<Pending> onFailed) {
        confirming.forEach(onFailed);
        awaitingCommit.forEach(p -> onFailed.accept(new Pending(p.requester(), p.requestId(), 0, 0)));
        confirming.clear();
        awaitingCommit.clear();
        broadcastRequested = false;
    }
}
