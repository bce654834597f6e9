package io.flotilla.raft.core.protocol;

import java.util.ArrayDeque;

/**
 * What a leader knows about one follower's log, and how it is feeding it (the flow control of etcd's raft).
 *
 * <ul>
 *   <li>{@link Mode#PROBE}: the leader does not know where the follower's log matches; it sends one AppendEntries at a
 *       time and waits for the answer (or the next heartbeat) before trying again.</li>
 *   <li>{@link Mode#REPLICATE}: the logs are known to match up to {@link #matchIndex}; the leader streams entries,
 *       keeping up to a window of unacknowledged AppendEntries in flight (pipelining).</li>
 *   <li>{@link Mode#SNAPSHOT}: the follower needs entries the leader has compacted away; the leader sends its
 *       snapshot one chunk at a time, each after the previous one is acknowledged (Raft §7), so memory stays bounded.</li>
 * </ul>
 */
final class Progress {

    enum Mode { PROBE, REPLICATE, SNAPSHOT }

    Mode mode = Mode.PROBE;
    /** The highest index known to be replicated on the follower (Raft Figure 2 matchIndex). */
    long matchIndex;
    /** The next index to send (Raft Figure 2 nextIndex). */
    long nextIndex;
    /** In PROBE mode: an AppendEntries was sent and is not yet answered. */
    boolean probeSent;
    /** Whether the follower acknowledged anything since the last heartbeat; silence with work to do means a loss. */
    boolean progressedSinceHeartbeat;
    /** Whether the follower answered at all during the current check-quorum period. */
    boolean recentlyActive;
    /** The tick of the follower's last answer (any); a new leader has not heard from anyone yet. */
    long heardAt = Long.MIN_VALUE / 2;
    /** The highest heartbeat round the follower has answered in this term (confirms leadership for reads). */
    long ackedReadRound;
    /** The tick at which that round was started: the follower heard from us no earlier (lease reads). */
    long ackedRoundStartTick = Long.MIN_VALUE / 2;
    /** In SNAPSHOT mode: the snapshot being sent (its last included index) and the next byte offset to send. */
    long snapshotIndex;
    long snapshotOffset;
    /** The highest commit index this follower has been told it can use (bounded by what it matches). */
    long commitSent;
    /** When the chunk in flight was sent (protocol ticks). */
    long snapshotChunkSentAt;
    /** Last index of each AppendEntries in flight, oldest first. */
    private final ArrayDeque<Long> inflight = new ArrayDeque<>();

    Progress(long nextIndex) {
        this.nextIndex = nextIndex;
    }

    boolean windowFull(int maxInflight) {
        return inflight.size() >= maxInflight;
    }

    void sent(long lastIndex) {
        if (mode == Mode.REPLICATE) {
            inflight.addLast(lastIndex);
            nextIndex = lastIndex + 1;
        } else {
            probeSent = true;
        }
    }

    /** Applies a successful answer; returns whether the match index moved. */
    boolean acknowledged(long match) {
        probeSent = false;
        if (match < matchIndex) {
            return false;
        }
        if (match == matchIndex) {
            // A probe answered at the known match (e.g. right after a snapshot install on an idle cluster): the logs
            // match, so replicate from here instead of probing the same index over and over.
            if (mode == Mode.PROBE) {
                mode = Mode.REPLICATE;
                nextIndex = Math.max(nextIndex, match + 1);
            }
            return false;
        }
        matchIndex = match;
        nextIndex = Math.max(nextIndex, match + 1);
        while (!inflight.isEmpty() && inflight.peekFirst() <= match) {
            inflight.removeFirst();
        }
        mode = Mode.REPLICATE;
        progressedSinceHeartbeat = true;
        return true;
    }

    /** Falls back to probing from {@code next}: the follower rejected, or its answers stopped coming. */
    void probeFrom(long next) {
        mode = Mode.PROBE;
        nextIndex = Math.max(matchIndex + 1, next);
        probeSent = false;
        inflight.clear();
    }

    void sendSnapshot(long index) {
        mode = Mode.SNAPSHOT;
        snapshotIndex = index;
        snapshotOffset = 0;
        inflight.clear();
    }

    /** The follower installed the snapshot: it matches up to its index; continue from the log. */
    void snapshotInstalled(long index) {
        matchIndex = Math.max(matchIndex, index);
        nextIndex = matchIndex + 1;
        mode = Mode.PROBE;
        probeSent = false;
        progressedSinceHeartbeat = true;
    }

    int inflightCount() {
        return inflight.size();
    }
}
