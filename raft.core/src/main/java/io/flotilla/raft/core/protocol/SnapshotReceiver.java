package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.InstallSnapshotRequest;
import io.flotilla.raft.api.message.InstallSnapshotResponse;
import io.flotilla.raft.api.message.RaftMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * A follower's side of InstallSnapshot (Raft §7): accepts the leader's chunks in order, hands them out to be written
 * ({@link Ready#snapshotChunks()}), acknowledges each once written, and after the last one waits for the runtime to
 * install the snapshot. Part of the pure protocol.
 */
final class SnapshotReceiver {

    /** The snapshot being received: which one, and the next byte offset expected (-1: none). */
    private long receivingIndex = -1;
    private long receivingTerm;
    private long receivingOffset;
    /** The last chunk was handed to the runtime; the snapshot is being installed. */
    private NodeId installingFrom;
    private final List<Ready.SnapshotChunk> chunks = new ArrayList<>();

    /** Whether a received snapshot is being installed (the log is about to be replaced). */
    boolean installing() {
        return installingFrom != null;
    }

    /**
     * Takes a chunk from the leader of {@code term} (which the caller follows, and whose snapshot is beyond what it
     * has committed). A chunk out of order is answered with the offset expected; one in order is handed out to be
     * written and acknowledged only after that write (Figure 2); the last one is answered once installed.
     */
    void receive(InstallSnapshotRequest req, NodeId self, long term, List<RaftMessage> sendNow,
                 List<RaftMessage> sendAfterPersist) {
        if (installingFrom != null) {
            return; // the previous snapshot's last chunk is being installed
        }
        if (req.offset() == 0) {
            receivingIndex = req.snapshotIndex();
            receivingTerm = req.snapshotTerm();
            receivingOffset = 0;
        }
        if (req.snapshotIndex() != receivingIndex || req.snapshotTerm() != receivingTerm
                || req.offset() != receivingOffset) {
            long expected = req.snapshotIndex() == receivingIndex ? receivingOffset : 0;
            sendNow.add(new InstallSnapshotResponse(self, req.from(), term, req.snapshotIndex(), expected, false));
            return;
        }
        chunks.add(new Ready.SnapshotChunk(req.snapshotIndex(), req.snapshotTerm(), req.offset(), req.data(),
                req.last()));
        receivingOffset += req.data().length;
        if (req.last()) {
            installingFrom = req.from();
        } else {
            sendAfterPersist.add(new InstallSnapshotResponse(self, req.from(), term, req.snapshotIndex(),
                    receivingOffset, false));
        }
    }

    /** The snapshot was installed: returns the leader that sent it (to be told), or null; ready for the next one. */
    NodeId installed() {
        NodeId from = installingFrom;
        installingFrom = null;
        receivingIndex = -1;
        return from;
    }

    /** The snapshot could not be installed: it is received again from the start. */
    void failed() {
        installingFrom = null;
        receivingIndex = -1;
    }

    /** The chunks to write, in order, since the last call. */
    List<Ready.SnapshotChunk> takeChunks() {
        if (chunks.isEmpty()) {
            return List.of();
        }
        List<Ready.SnapshotChunk> out = List.copyOf(chunks);
        chunks.clear();
        return out;
    }
}
