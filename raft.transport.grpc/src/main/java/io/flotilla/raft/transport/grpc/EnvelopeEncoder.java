package io.flotilla.raft.transport.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.InstallSnapshotRequest;
import io.flotilla.raft.api.message.InstallSnapshotResponse;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.ProposeRequest;
import io.flotilla.raft.api.message.ProposeResponse;
import io.flotilla.raft.api.message.ReadIndexRequest;
import io.flotilla.raft.api.message.ReadIndexResponse;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import io.flotilla.raft.api.message.TimeoutNowRequest;
import io.flotilla.raft.transport.grpc.internal.proto.Wire;
import java.util.Set;

/**
 * Turns {@link RaftMessage}s into protobuf {@link Wire.Envelope}s.
 *
 * <p>Payloads and snapshot chunks are wrapped, not copied: messages are values the engine no longer changes once sent
 * (the {@link LogEntry} contract), and copying megabytes per message would only cost time and garbage.
 */
final class EnvelopeEncoder {

    private EnvelopeEncoder() {
    }

    /**
     * Encodes a message.
     *
     * @param message any of the permitted Raft messages
     * @return the envelope
     */
    static Wire.Envelope encode(RaftMessage message) {
        Wire.Envelope.Builder envelope = Wire.Envelope.newBuilder()
                .setFrom(message.from().value())
                .setTo(message.to().value())
                .setTerm(message.term());
        // RaftMessage is sealed: this chain covers every permitted record (Java 17 has no pattern switch yet).
        if (message instanceof AppendEntriesRequest m) {
            Wire.AppendEntriesRequest.Builder body = Wire.AppendEntriesRequest.newBuilder()
                    .setPrevLogIndex(m.prevLogIndex())
                    .setPrevLogTerm(m.prevLogTerm())
                    .setLeaderCommit(m.leaderCommit())
                    .setReadRound(m.readRound());
            m.entries().forEach(e -> body.addEntries(entry(e)));
            envelope.setAppendEntriesRequest(body);
        } else if (message instanceof AppendEntriesResponse m) {
            envelope.setAppendEntriesResponse(Wire.AppendEntriesResponse.newBuilder()
                    .setSuccess(m.success())
                    .setMatchIndex(m.matchIndex())
                    .setConflictIndex(m.conflictIndex())
                    .setConflictTerm(m.conflictTerm())
                    .setReadRound(m.readRound()));
        } else if (message instanceof RequestVoteRequest m) {
            envelope.setRequestVoteRequest(Wire.RequestVoteRequest.newBuilder()
                    .setLastLogIndex(m.lastLogIndex())
                    .setLastLogTerm(m.lastLogTerm())
                    .setPreVote(m.preVote())
                    .setTransfer(m.transfer()));
        } else if (message instanceof RequestVoteResponse m) {
            envelope.setRequestVoteResponse(Wire.RequestVoteResponse.newBuilder()
                    .setGranted(m.granted())
                    .setPreVote(m.preVote()));
        } else if (message instanceof InstallSnapshotRequest m) {
            Wire.InstallSnapshotRequest.Builder body = Wire.InstallSnapshotRequest.newBuilder()
                    .setSnapshotIndex(m.snapshotIndex())
                    .setSnapshotTerm(m.snapshotTerm())
                    .setOffset(m.offset())
                    .setData(bytes(m.data()))
                    .setLast(m.last());
            if (m.configuration() != null) {
                body.setConfiguration(configuration(m.configuration()));
            }
            envelope.setInstallSnapshotRequest(body);
        } else if (message instanceof InstallSnapshotResponse m) {
            envelope.setInstallSnapshotResponse(Wire.InstallSnapshotResponse.newBuilder()
                    .setSnapshotIndex(m.snapshotIndex())
                    .setNextOffset(m.nextOffset())
                    .setDone(m.done()));
        } else if (message instanceof TimeoutNowRequest) {
            envelope.setTimeoutNowRequest(Wire.TimeoutNowRequest.getDefaultInstance());
        } else if (message instanceof ReadIndexRequest m) {
            envelope.setReadIndexRequest(Wire.ReadIndexRequest.newBuilder().setRequestId(m.requestId()));
        } else if (message instanceof ReadIndexResponse m) {
            envelope.setReadIndexResponse(Wire.ReadIndexResponse.newBuilder()
                    .setRequestId(m.requestId())
                    .setReadIndex(m.readIndex())
                    .setSuccess(m.success()));
        } else if (message instanceof ProposeRequest m) {
            Wire.ProposeRequest.Builder body = Wire.ProposeRequest.newBuilder()
                    .setSession(m.session())
                    .setBatchId(m.batchId());
            m.commands().forEach(c -> body.addCommands(bytes(c)));
            envelope.setProposeRequest(body);
        } else if (message instanceof ProposeResponse m) {
            envelope.setProposeResponse(Wire.ProposeResponse.newBuilder()
                    .setSession(m.session())
                    .setBatchId(m.batchId())
                    .setFirstIndex(m.firstIndex())
                    .setAccepted(m.accepted()));
        } else {
            throw new IllegalArgumentException("no encoding for " + message.getClass().getName());
        }
        return envelope.build();
    }

    private static Wire.LogEntry entry(LogEntry entry) {
        return Wire.LogEntry.newBuilder()
                .setIndex(entry.index())
                .setTerm(entry.term())
                .setKind(kind(entry))
                .setPayload(bytes(entry.payload()))
                .build();
    }

    private static Wire.EntryKind kind(LogEntry entry) {
        return switch (entry.kind()) {
            case COMMAND -> Wire.EntryKind.ENTRY_KIND_COMMAND;
            case CONFIGURATION -> Wire.EntryKind.ENTRY_KIND_CONFIGURATION;
            case NO_OP -> Wire.EntryKind.ENTRY_KIND_NO_OP;
        };
    }

    private static Wire.ClusterConfiguration configuration(ClusterConfiguration configuration) {
        return Wire.ClusterConfiguration.newBuilder()
                .addAllVoters(values(configuration.voters()))
                .addAllLearners(values(configuration.learners()))
                .addAllOutgoingVoters(values(configuration.outgoingVoters()))
                .build();
    }

    private static Iterable<String> values(Set<NodeId> ids) {
        return ids.stream().map(NodeId::value)::iterator;
    }

    private static ByteString bytes(byte[] data) {
        return data == null || data.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(data);
    }
}
