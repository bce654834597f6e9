package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.message.RaftMessage;
import java.util.List;

/**
 * One batch of effects produced by the protocol ({@link RaftProtocol#ready()}). They must be carried out in this order
 * — the order is part of Raft's safety argument — which {@link ReadyExecutor} does for the runtime, the simulation and
 * the test clusters alike:
 *
 * <ol>
 *   <li>Send {@link #sendNow()}. These are a leader's AppendEntries and heartbeats, which do not depend on the leader's
 *       own disk: a leader may replicate entries before its own fsync, because it counts itself toward a quorum only
 *       once {@link RaftProtocol#persisted} says they are durable; and a follower's answers to empty appends that claim
 *       nothing beyond its durable log (heartbeats, read rounds).</li>
 *   <li>Persist {@link #state()} (if not null) and {@link #entriesToPersist()} in one atomic, durable write, after every
 *       earlier batch's write (writes complete in order). Entries may start at or below the last written index: they
 *       replace that suffix. Then report {@link RaftProtocol#persisted} with the last entry written.</li>
 *   <li>Send {@link #sendAfterPersist()} only once that write (and every earlier one) is durable: these are votes and
 *       AppendEntries answers, promises that must survive a crash (Raft §5.1 Figure 2: "respond to RPCs only after
 *       updating stable storage").</li>
 *   <li>Settle {@link #forwarded()}: proposals this member forwarded to the leader that the leader placed in its log
 *       (wait for their entries to be applied here) or that failed. Before the next step: an entry may commit in the
 *       very batch that tells where it is.</li>
 *   <li>Apply {@link #committed()} to the state machine in order (they are committed and locally durable), then
 *       report {@link RaftProtocol#applied}.</li>
 *   <li>Answer the reads: {@link #readsReady()} once the state machine has applied up to each read's index;
 *       {@link #readsFailed()} at once.</li>
 * </ol>
 *
 * @param state            the new persistent state, or null if unchanged
 * @param entriesToPersist entries to write, in order; may be empty
 * @param sendNow          messages that may go out before the write
 * @param sendAfterPersist messages that must wait for the write
 * @param committed        entries to apply, in order
 * @param readsReady       reads whose read index is confirmed
 * @param readsFailed      reads that cannot be served here (not leader, or leadership lost)
 * @param peers            when the configuration changed: every member's peer address (hand it to the transport);
 *                         otherwise null
 * @param compactThrough   if above 0: a snapshot covers the log up to here, compact it
 *                         ({@link io.flotilla.raft.api.spi.LogStore#compactPrefix}); done after the write
 * @param snapshotChunks   chunks of a snapshot a leader is sending us, to append to a pending snapshot file in the
 *                         same order as the writes; after the last one, install it and call
 *                         {@link RaftProtocol#snapshotInstalled}
 * @param forwarded        what became of proposals forwarded to the leader ({@link RaftProtocol#proposeOrForward})
 */
public record Ready(
        PersistentState state,
        List<LogEntry> entriesToPersist,
        List<RaftMessage> sendNow,
        List<RaftMessage> sendAfterPersist,
        List<LogEntry> committed,
        List<ReadReady> readsReady,
        List<ReadFailed> readsFailed,
        java.util.Map<io.flotilla.raft.api.NodeId, String> peers,
        long compactThrough,
        List<SnapshotChunk> snapshotChunks,
        List<Forwarded> forwarded) {

    /** Returns whether there is nothing to do. */
    public boolean isEmpty() {
        return state == null && entriesToPersist.isEmpty() && sendNow.isEmpty() && sendAfterPersist.isEmpty()
                && committed.isEmpty() && readsReady.isEmpty() && readsFailed.isEmpty() && peers == null
                && compactThrough == 0 && snapshotChunks.isEmpty() && forwarded.isEmpty();
    }

    /** Returns whether the runtime has a durable write to make. */
    public boolean needsWrite() {
        return state != null || !entriesToPersist.isEmpty();
    }

    /**
     * Part of a snapshot being received.
     *
     * @param index  the snapshot's last included index
     * @param term   the term of that entry
     * @param offset where {@code data} goes in the serialized snapshot ({@link SnapshotFormat})
     * @param data   the bytes
     * @param last   whether this completes the snapshot
     */
    public record SnapshotChunk(long index, long term, long offset, byte[] data, boolean last) {
    }

    /**
     * A confirmed read: it is linearizable once the state machine has applied {@code readIndex}.
     *
     * @param requestId the id given to {@link RaftProtocol#readIndex(long)}
     * @param readIndex the commit index confirmed by a quorum round (thesis §6.4)
     */
    public record ReadReady(long requestId, long readIndex) {
    }

    /**
     * A read that could not be confirmed here.
     *
     * @param requestId the id given to {@link RaftProtocol#readIndex(long)}
     * @param leader    the leader this member knows of, or null
     */
    public record ReadFailed(long requestId, io.flotilla.raft.api.NodeId leader) {
    }

    /**
     * What became of proposals forwarded to the leader: placed in its log, or failed.
     *
     * @param proposalIds    the caller's ids, as given to {@link RaftProtocol#proposeOrForward}, in log order
     * @param placed         true if the leader appended them: the i-th is the entry at {@code firstIndex + i} of term
     *                       {@code term}; it is this proposal only if the entry applied at that index has that term
     * @param firstIndex     the first one's index, when placed
     * @param term           the entries' term, when placed
     * @param leader         when failed: the leader this member knows now, or null
     * @param outcomeUnknown when failed: true if the leader may have appended them but its answer is given up on
     *                       (they may still commit); false if they were certainly not appended (retrying is safe)
     */
    public record Forwarded(List<Long> proposalIds, boolean placed, long firstIndex, long term,
                            io.flotilla.raft.api.NodeId leader, boolean outcomeUnknown) {
    }
}
