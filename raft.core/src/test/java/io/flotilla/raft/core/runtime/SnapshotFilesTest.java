package io.flotilla.raft.core.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.StateMachine;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.core.protocol.MembershipCodec;
import io.flotilla.raft.core.protocol.SnapshotFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot files: atomic, checksummed, pruned, recovered, and received in chunks (Raft §7). */
class SnapshotFilesTest {

    private static final MembershipCodec.Membership MEMBERS = new MembershipCodec.Membership(
            ClusterConfiguration.ofVoters(Set.of(NodeId.of("n1"), NodeId.of("n2"))),
            Map.of(NodeId.of("n1"), "127.0.0.1:1", NodeId.of("n2"), "127.0.0.1:2"));

    @TempDir
    Path dir;

    /** A state machine whose whole state is one byte string. */
    static final class BytesMachine implements StateMachine {
        byte[] state;

        BytesMachine(String state) {
            this.state = state.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] apply(LogEntry entry) {
            return new byte[0];
        }

        @Override
        public byte[] query(byte[] query) {
            return state;
        }

        @Override
        public void writeSnapshot(OutputStream out) throws IOException {
            out.write(state);
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            state = in.readAllBytes();
        }
    }

    @Test
    void aWrittenSnapshotIsFoundAgainAndRestoresTheStateExactly() {
        SnapshotFiles files = SnapshotFiles.open(dir);
        assertNull(files.latest(), "a new directory has no snapshot");
        SnapshotFormat.Header h = files.write(42, 7, MEMBERS, new BytesMachine("state at 42"));

        SnapshotFiles reopened = SnapshotFiles.open(dir);
        assertEquals(42, reopened.latest().index());
        assertEquals(7, reopened.latest().term());
        assertEquals(MEMBERS, reopened.latest().membership());
        BytesMachine restored = new BytesMachine("");
        reopened.restore(reopened.latest(), restored);
        assertEquals("state at 42", new String(restored.state, StandardCharsets.UTF_8));
        assertEquals(h, reopened.latest());
    }

    @Test
    void onlyTheNewestTwoSnapshotsAreKept() throws IOException {
        SnapshotFiles files = SnapshotFiles.open(dir);
        for (long i = 1; i <= 4; i++) {
            files.write(i * 10, 1, MEMBERS, new BytesMachine("s" + i));
        }
        try (Stream<Path> list = Files.list(dir)) {
            List<String> names = list.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("snapshot-30-1.snap", "snapshot-40-1.snap"), names);
        }
    }

    @Test
    void aCorruptNewestSnapshotIsSkippedForTheOlderValidOne() throws IOException {
        SnapshotFiles files = SnapshotFiles.open(dir);
        files.write(10, 1, MEMBERS, new BytesMachine("older"));
        files.write(20, 2, MEMBERS, new BytesMachine("newer"));
        Path newest = dir.resolve("snapshot-20-2.snap");
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length - 6] ^= 0x55; // flip a data byte
        Files.write(newest, bytes);

        SnapshotFiles reopened = SnapshotFiles.open(dir);
        assertEquals(10, reopened.latest().index(), "the damaged snapshot must not be used");
    }

    @Test
    void aReceivedSnapshotIsVerifiedBeforeItIsKept() {
        byte[] serialized = SnapshotFormat.encode(99, 5, MEMBERS, "remote state".getBytes(StandardCharsets.UTF_8));
        SnapshotFiles files = SnapshotFiles.open(dir);
        files.receiveChunk(0, java.util.Arrays.copyOfRange(serialized, 0, 10));
        files.receiveChunk(10, java.util.Arrays.copyOfRange(serialized, 10, serialized.length));
        SnapshotFormat.Header h = files.finishReceiving();
        assertEquals(99, h.index());
        assertArrayEquals(serialized, files.read(99, 0, serialized.length), "chunks can be served on to others");

        byte[] damaged = serialized.clone();
        damaged[damaged.length - 10] ^= 1;
        files.receiveChunk(0, damaged);
        CorruptLogException e = assertThrows(CorruptLogException.class, files::finishReceiving);
        assertTrue(e.getMessage().contains("receiving.tmp") && e.getMessage().contains("checksum"), e.getMessage());
        assertEquals(99, files.latest().index(), "a damaged transfer leaves the good snapshot in place");
    }

    @Test
    void readingAPrunedSnapshotAnswersNullSoTheLeaderStartsOver() {
        SnapshotFiles files = SnapshotFiles.open(dir);
        files.write(10, 1, MEMBERS, new BytesMachine("a"));
        files.write(20, 1, MEMBERS, new BytesMachine("b"));
        assertNull(files.read(10, 0, 100), "only the newest snapshot is served");
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        byte[] chunk = files.read(20, 0, 7);
        whole.writeBytes(chunk);
        whole.writeBytes(files.read(20, 7, 1 << 20));
        assertEquals(files.latest().size(), whole.size());
        assertEquals(20, SnapshotFormat.decode(whole.toByteArray()).header().index());
    }

    @Test
    void checkpointsAreKeptApartFromSnapshotsAndTheNewerOfTheTwoIsWhereRecoveryStarts() throws IOException {
        SnapshotFiles files = SnapshotFiles.open(dir);
        files.write(10, 1, MEMBERS, new BytesMachine("state at 10"));
        for (long index : new long[] {20, 30, 40}) {
            files.writeCheckpoint(index, 2, MEMBERS);
        }
        SnapshotFiles reopened = SnapshotFiles.open(dir);
        assertEquals(10, reopened.latest().index(), "what a leader sends is always a full snapshot");
        assertEquals(40, reopened.newest().index(), "the log may start after the newest checkpoint");
        assertEquals(2, reopened.newest().term());
        assertEquals(MEMBERS, reopened.newest().membership());
        assertTrue(reopened.isCheckpoint(reopened.newest()));
        try (Stream<Path> all = Files.list(dir)) {
            assertEquals(List.of("checkpoint-30-2.snap", "checkpoint-40-2.snap", "snapshot-10-1.snap"),
                    all.map(p -> p.getFileName().toString()).sorted().toList(), "the newest two checkpoints kept");
        }

        reopened.write(45, 2, MEMBERS, new BytesMachine("state at 45"));
        assertEquals(45, reopened.newest().index(), "a snapshot newer than every checkpoint comes first");
        assertTrue(!reopened.isCheckpoint(reopened.newest()));

        // A damaged checkpoint is named and skipped, as a damaged snapshot is.
        Files.write(dir.resolve("checkpoint-50-2.snap"), new byte[] {1, 2, 3});
        assertEquals(45, SnapshotFiles.open(dir).newest().index());
    }

    @Test
    void aRequestForANewerSnapshotReachesTheHandler() {
        SnapshotFiles files = SnapshotFiles.open(dir);
        long[] asked = {-1};
        files.onRequest(atLeast -> asked[0] = atLeast);
        files.request(77);
        assertEquals(77, asked[0]);
    }
}
