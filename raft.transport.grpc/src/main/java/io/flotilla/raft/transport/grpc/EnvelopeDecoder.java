package io.flotilla.raft.transport.grpc;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.EntryKind;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns protobuf {@link Wire.Envelope}s back into {@link RaftMessage}s. Bytes are copied out of the protobuf buffers,
 * because the records hold plain arrays that must not share memory with gRPC's.
 */
final class EnvelopeDecoder {

    private EnvelopeDecoder() {
    }

    /**
     * Decodes an envelope.
     *
     * @param envelope the envelope as received
     * @return the message
     * @throws IllegalArgumentException if the envelope holds no known message or an invalid value (bad node id, log
     *                                  index below 1, configuration without voters ...)
     */
    static RaftMessage decode(Wire.Envelope envelope) {
        NodeId from = NodeId.of(envelope.getFrom());
        NodeId to = NodeId.of(envelope.getTo());
        long term = envelope.getTerm();
        return switch (envelope.getBodyCase()) {
            case APPEND_ENTRIES_REQUEST -> {
                Wire.AppendEntriesRequest m = envelope.getAppendEntriesRequest();
                yield new AppendEntriesRequest(from, to, term, m.getPrevLogIndex(), m.getPrevLogTerm(),
                        entries(m.getEntriesList()), m.getLeaderCommit(), m.getReadRound());
            }
            case APPEND_ENTRIES_RESPONSE -> {
                Wire.AppendEntriesResponse m = envelope.getAppendEntriesResponse();
                yield new AppendEntriesResponse(from, to, term, m.getSuccess(), m.getMatchIndex(),
                        m.getConflictIndex(), m.getConflictTerm(), m.getReadRound());
            }
            case REQUEST_VOTE_REQUEST -> {
                Wire.RequestVoteRequest m = envelope.getRequestVoteRequest();
                yield new RequestVoteRequest(from, to, term, m.getLastLogIndex(), m.getLastLogTerm(),
                        m.getPreVote(), m.getTransfer());
            }
            case REQUEST_VOTE_RESPONSE -> {
                Wire.RequestVoteResponse m = envelope.getRequestVoteResponse();
                yield new RequestVoteResponse(from, to, term, m.getGranted(), m.getPreVote());
            }
            case INSTALL_SNAPSHOT_REQUEST -> {
                Wire.InstallSnapshotRequest m = envelope.getInstallSnapshotRequest();
                ClusterConfiguration configuration = m.hasConfiguration() ? configuration(m.getConfiguration()) : null;
                yield new InstallSnapshotRequest(from, to, term, m.getSnapshotIndex(), m.getSnapshotTerm(),
                        configuration, m.getOffset(), m.getData().toByteArray(), m.getLast());
            }
            case INSTALL_SNAPSHOT_RESPONSE -> {
                Wire.InstallSnapshotResponse m = envelope.getInstallSnapshotResponse();
                yield new InstallSnapshotResponse(from, to, term, m.getSnapshotIndex(), m.getNextOffset(),
                        m.getDone());
            }
            case TIMEOUT_NOW_REQUEST -> new TimeoutNowRequest(from, to, term);
            case READ_INDEX_REQUEST -> new ReadIndexRequest(from, to, term,
                    envelope.getReadIndexRequest().getRequestId());
            case READ_INDEX_RESPONSE -> {
                Wire.ReadIndexResponse m = envelope.getReadIndexResponse();
                yield new ReadIndexResponse(from, to, term, m.getRequestId(), m.getReadIndex(), m.getSuccess());
            }
            case PROPOSE_REQUEST -> {
                Wire.ProposeRequest m = envelope.getProposeRequest();
                List<byte[]> commands = new ArrayList<>(m.getCommandsCount());
                m.getCommandsList().forEach(c -> commands.add(c.toByteArray()));
                yield new ProposeRequest(from, to, term, m.getSession(), m.getBatchId(), commands);
            }
            case PROPOSE_RESPONSE -> {
                Wire.ProposeResponse m = envelope.getProposeResponse();
                yield new ProposeResponse(from, to, term, m.getSession(), m.getBatchId(), m.getFirstIndex(),
                        m.getAccepted());
            }
            // A newer peer may send a kind this version does not know: it is dropped like any lost message.
            case BODY_NOT_SET -> throw new IllegalArgumentException(
                    "envelope from " + from + " carries no message this version knows");
        };
    }

    private static List<LogEntry> entries(List<Wire.LogEntry> wire) {
        List<LogEntry> entries = new ArrayList<>(wire.size());
        for (Wire.LogEntry e : wire) {
            entries.add(new LogEntry(e.getIndex(), e.getTerm(), kind(e), e.getPayload().toByteArray()));
        }
        return entries;
    }

    private static EntryKind kind(Wire.LogEntry entry) {
        return switch (entry.getKind()) {
            case ENTRY_KIND_COMMAND -> EntryKind.COMMAND;
            case ENTRY_KIND_CONFIGURATION -> EntryKind.CONFIGURATION;
            case ENTRY_KIND_NO_OP -> EntryKind.NO_OP;
            case ENTRY_KIND_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException(
                    "log entry " + entry.getIndex() + " has an unknown kind (" + entry.getKindValue() + ")");
        };
    }

    private static ClusterConfiguration configuration(Wire.ClusterConfiguration wire) {
        return new ClusterConfiguration(ids(wire.getVotersList()), ids(wire.getLearnersList()),
                ids(wire.getOutgoingVotersList()));
    }

    private static Set<NodeId> ids(List<String> values) {
        Set<NodeId> ids = new TreeSet<>();
        values.forEach(v -> ids.add(NodeId.of(v)));
        return ids;
    }
}
