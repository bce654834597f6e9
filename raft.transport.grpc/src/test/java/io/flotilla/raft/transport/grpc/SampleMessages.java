package io.flotilla.raft.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** One message of every kind, with values that would expose a field mix-up, and a comparison that handles arrays. */
final class SampleMessages {

    static final NodeId N1 = NodeId.of("n1");
    static final NodeId N2 = NodeId.of("n2");
    static final NodeId N3 = NodeId.of("n3");

    private SampleMessages() {
    }

    /** Returns a 1 MiB payload of pseudo-random bytes, so a truncation or offset error cannot go unnoticed. */
    static byte[] oneMebibyte() {
        byte[] bytes = new byte[1024 * 1024];
        new Random(42).nextBytes(bytes);
        return bytes;
    }

    /** Returns a joint configuration with learners: every set of the record is non-empty. */
    static ClusterConfiguration jointConfiguration() {
        return new ClusterConfiguration(Set.of(N1, N2, NodeId.of("n4")), Set.of(NodeId.of("learner-5"),
                NodeId.of("learner.6")), Set.of(N1, N2, N3));
    }

    /**
     * Returns one message of each of the 11 kinds, from {@code from} to {@code to}; the snapshot request comes twice,
     * with and without a configuration.
     */
    static List<RaftMessage> everyKind(NodeId from, NodeId to) {
        List<LogEntry> entries = List.of(
                LogEntry.noOp(7, 3),
                LogEntry.command(8, 3, "put k v".getBytes(StandardCharsets.UTF_8)),
                LogEntry.command(9, 3, new byte[0]),
                new LogEntry(10, 4, EntryKind.CONFIGURATION, new byte[] {1, 2, 3, (byte) 0xFF}),
                LogEntry.command(11, 4, oneMebibyte()),
                LogEntry.command(Long.MAX_VALUE, Long.MAX_VALUE - 1, new byte[] {0}));
        return List.of(
                new AppendEntriesRequest(from, to, 4, 6, 2, entries, 5, 17),
                new AppendEntriesRequest(from, to, 4, 11, 4, List.of(), 11, 18),
                new AppendEntriesResponse(from, to, 4, true, 11, 0, 0, 17),
                new AppendEntriesResponse(from, to, 5, false, 0, 3, 2, Long.MAX_VALUE),
                new RequestVoteRequest(from, to, 6, 11, 4, true, false),
                new RequestVoteRequest(from, to, 7, 12, 5, false, true),
                new RequestVoteResponse(from, to, 6, true, true),
                new RequestVoteResponse(from, to, 8, false, false),
                new InstallSnapshotRequest(from, to, 9, 1000, 8, jointConfiguration(), 65_536, oneMebibyte(), false),
                new InstallSnapshotRequest(from, to, 9, 1000, 8, null, 0, new byte[0], true),
                new InstallSnapshotResponse(from, to, 9, 1000, 131_072, false),
                new InstallSnapshotResponse(from, to, 9, 1000, 0, true),
                new TimeoutNowRequest(from, to, 10),
                new ReadIndexRequest(from, to, 11, -1),
                new ReadIndexResponse(from, to, 11, 42, 99, true),
                new ReadIndexResponse(from, to, 12, 43, 0, false),
                new ProposeRequest(from, to, 13, -7, 0, List.of("put k v".getBytes(StandardCharsets.UTF_8),
                        new byte[0], oneMebibyte())),
                new ProposeRequest(from, to, 13, Long.MAX_VALUE, 5, List.of()),
                new ProposeResponse(from, to, 13, -7, 0, 12, true),
                new ProposeResponse(from, to, 14, Long.MAX_VALUE, 5, 0, false));
    }

    /** Asserts that two messages are equal, comparing byte arrays (snapshot chunks, forwarded commands) by content. */
    static void assertSameMessage(RaftMessage expected, RaftMessage actual) {
        if (expected instanceof InstallSnapshotRequest e && actual instanceof InstallSnapshotRequest a) {
            assertEquals(e.from(), a.from());
            assertEquals(e.to(), a.to());
            assertEquals(e.term(), a.term());
            assertEquals(e.snapshotIndex(), a.snapshotIndex());
            assertEquals(e.snapshotTerm(), a.snapshotTerm());
            assertEquals(e.configuration(), a.configuration());
            assertEquals(e.offset(), a.offset());
            assertArrayEquals(e.data(), a.data());
            assertEquals(e.last(), a.last());
        } else if (expected instanceof ProposeRequest e && actual instanceof ProposeRequest a) {
            assertEquals(e.toString(), a.toString());
            assertEquals(e.commands().size(), a.commands().size());
            for (int i = 0; i < e.commands().size(); i++) {
                assertArrayEquals(e.commands().get(i), a.commands().get(i), "command " + i);
            }
        } else {
            assertEquals(expected, actual);
        }
    }
}
