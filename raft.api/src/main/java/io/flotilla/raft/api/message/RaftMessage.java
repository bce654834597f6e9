package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;

/**
 * A message between two members of a group. The set is closed, so a transport can encode every kind exhaustively
 * (a {@code switch} over the permitted records) and the engine can rely on there being no others.
 *
 * <p>Every message carries the sender's term: a receiver that sees a higher term adopts it and becomes a follower
 * (Raft §5.1); a receiver with a higher term answers so that the sender learns it.
 */
public sealed interface RaftMessage
        permits AppendEntriesRequest, AppendEntriesResponse, RequestVoteRequest, RequestVoteResponse,
        InstallSnapshotRequest, InstallSnapshotResponse, TimeoutNowRequest, ReadIndexRequest, ReadIndexResponse,
        ProposeRequest, ProposeResponse {

    /** {@return the sender} */
    NodeId from();

    /** {@return the addressee} */
    NodeId to();

    /** {@return the sender's current term} */
    long term();
}
