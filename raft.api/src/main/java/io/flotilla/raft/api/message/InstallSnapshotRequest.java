package io.flotilla.raft.api.message;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.NodeId;

/**
 * Leader to follower: one chunk of a snapshot, for a follower that needs entries the leader has compacted away
 * (Raft §7). Chunks are sent one at a time, so memory stays bounded on both sides.
 *
 * @param from          the leader
 * @param to            the follower
 * @param term          the leader's term
 * @param snapshotIndex the last log index the snapshot covers
 * @param snapshotTerm  the term of that entry
 * @param configuration the latest configuration at {@code snapshotIndex}
 * @param offset        byte offset of {@code data} within the snapshot
 * @param data          the chunk's bytes
 * @param last          whether this is the final chunk
 */
public record InstallSnapshotRequest(
        NodeId from, NodeId to, long term, long snapshotIndex, long snapshotTerm, ClusterConfiguration configuration,
        long offset, byte[] data, boolean last) implements RaftMessage {

    /** Compares every field, the chunk by content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof InstallSnapshotRequest r && from.equals(r.from) && to.equals(r.to) && term == r.term
                && snapshotIndex == r.snapshotIndex && snapshotTerm == r.snapshotTerm
                && java.util.Objects.equals(configuration, r.configuration) && offset == r.offset
                && java.util.Arrays.equals(data, r.data) && last == r.last;
    }

    /** Hashes every field, the chunk by content. */
    @Override
    public int hashCode() {
        return java.util.Objects.hash(from, to, term, snapshotIndex, snapshotTerm, configuration, offset, last) * 31
                + java.util.Arrays.hashCode(data);
    }

    /** Shows the fields and the chunk's size, not its bytes. */
    @Override
    public String toString() {
        return "InstallSnapshotRequest[from=" + from + ", to=" + to + ", term=" + term + ", snapshotIndex="
                + snapshotIndex + "@" + snapshotTerm + ", offset=" + offset + ", " + data.length + "B, last=" + last
                + "]";
    }
}
