package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * A leader's linearizable reads waiting for confirmation (Raft thesis §6.4, ReadIndex).
 *
 * <p>A read records the commit index at its arrival, then waits for a heartbeat round that <em>started after it
 * arrived</em> to be answered by a majority: that proves no other leader had been elected when the read arrived, so
 * the recorded commit index covers every write that completed before it. All reads arriving between two rounds share
 * the next round, so one round of heartbeats confirms any number of reads.
 */
final class ReadIndexQueue {

    private record Pending(long requestId, long readIndex, long round) {
    }

    private long round;
    private boolean broadcastRequested;
    private final ArrayDeque<Pending> confirming = new ArrayDeque<>();
    /** Reads that arrived before the leader committed an entry of its term (thesis §6.4 step 1). */
    private final ArrayDeque<Long> awaitingCommit = new ArrayDeque<>();
    private final List<Ready.ReadReady> ready = new ArrayList<>();
    private final List<Ready.ReadFailed> failed = new ArrayList<>();

    long round() {
        return round;
    }

    void add(long requestId, long commitIndex, boolean committedInTerm) {
        if (committedInTerm) {
            confirming.addLast(new Pending(requestId, commitIndex, round + 1));
            broadcastRequested = true;
        } else {
            awaitingCommit.addLast(requestId);
        }
    }

    /** The leader has committed its first entry of the term: parked reads may now take the commit index. */
    void leaderCommittedInTerm(long commitIndex) {
        while (!awaitingCommit.isEmpty()) {
            confirming.addLast(new Pending(awaitingCommit.removeFirst(), commitIndex, round + 1));
            broadcastRequested = true;
        }
    }

    /** Starts a new round if reads are waiting for one; returns whether the leader must broadcast it now. */
    boolean takeBroadcastRequest() {
        if (!broadcastRequested) {
            return false;
        }
        broadcastRequested = false;
        round++;
        return true;
    }

    /** Releases, in order, every read whose round a majority has answered. */
    void confirm(LongPredicate roundAckedByMajority) {
        while (!confirming.isEmpty() && roundAckedByMajority.test(confirming.peekFirst().round())) {
            Pending p = confirming.removeFirst();
            ready.add(new Ready.ReadReady(p.requestId(), p.readIndex()));
        }
    }

    void fail(long requestId, NodeId leader) {
        failed.add(new Ready.ReadFailed(requestId, leader));
    }

    /** Leadership is lost: no waiting read can be confirmed any more. */
    void failAll(NodeId newLeader) {
        confirming.forEach(p -> fail(p.requestId(), newLeader));
        awaitingCommit.forEach(id -> fail(id, newLeader));
        confirming.clear();
        awaitingCommit.clear();
        broadcastRequested = false;
    }

    void reset() {
        confirming.clear();
        awaitingCommit.clear();
        broadcastRequested = false;
    }

    List<Ready.ReadReady> takeReady() {
        return take(ready);
    }

    List<Ready.ReadFailed> takeFailed() {
        return take(failed);
    }

    private static <T> List<T> take(List<T> list) {
        if (list.isEmpty()) {
            return List.of();
        }
        List<T> copy = List.copyOf(list);
        list.clear();
        return copy;
    }
}
