package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.cli.CliMain;
import io.flotilla.kv.service.internal.proto.etcd.HashKVRequest;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutResponse;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.mvcc.BackupFile;
import io.flotilla.kv.service.node.BackendSettings;
import io.flotilla.kv.service.testing.TestCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Backups, as an operator takes and uses them: {@code Maintenance.Snapshot} (through {@code flotilla snapshot save}
 * and through etcdctl), checked and described by {@code flotilla snapshot status}, restored into a new cluster that
 * serves the same data and goes on from the same revision; a damaged file is refused before anything is written.
 */
class BackupTest {

    @TempDir
    Path data;

    private record Run(int code, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = CliMain.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    private static RangeResponse prefix(TestCluster cluster, int member, long revision) {
        return KVGrpc.newBlockingStub(cluster.channel(member)).range(RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("backup/")).setRangeEnd(ByteString.copyFromUtf8("backup0"))
                .setRevision(revision).setSerializable(true).build());
    }

    @Test
    void aBackupRestoredIntoANewClusterServesTheSameDataFromTheSameRevision() throws Exception {
        Path file = data.resolve("backup.db");
        BackupFile.Summary summary;
        RangeResponse before;
        try (TestCluster source = TestCluster.start(3, data.resolve("source"), TestCluster.FAST)) {
            int leader = source.awaitLeader(Duration.ofSeconds(10));
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(source.channel(leader));
            for (int i = 0; i < 200; i++) {
                kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("backup/" + (i % 50)))
                        .setValue(ByteString.copyFromUtf8("value " + i)).build());
            }
            kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("backup/7")).build());
            int member = source.aFollower(leader); // any member: a backup is local, as etcd's
            Run saved = cli("snapshot", "save", file.toString(),
                    "--endpoints=" + source.member(member).clientAddress());
            assertEquals(new Run(0, "Snapshot saved at " + file + "\n", ""), saved);
            assertFalse(Files.exists(data.resolve("backup.db.part")), "the partial file is renamed");

            summary = BackupFile.inspect(file, Files.createDirectories(data.resolve("scratch")), "rocksdb");
            // The member's hash of the same revision: the backup holds exactly the history up to it.
            int hash = MaintenanceGrpc.newBlockingStub(source.channel(member))
                    .hashKV(HashKVRequest.newBuilder().setRevision(summary.revision()).build()).getHash();
            assertEquals(Integer.toUnsignedLong(hash), summary.hash());
            before = prefix(source, member, summary.revision());
            assertEquals(before.getCount(), summary.totalKeys());
            Run status = cli("snapshot", "status", file.toString());
            assertEquals(new Run(0, Long.toHexString(summary.hash()) + ", " + summary.revision() + ", "
                    + summary.totalKeys() + ", " + Files.size(file) + " B\n", ""), status);
        }
        assertTrue(summary.revision() > 1, "the backup holds the writes: " + summary);

        Path restored = data.resolve("restored");
        for (int m = 1; m <= 3; m++) {
            Run run = cli("snapshot", "restore", file.toString(), "--data-dir", restored.resolve("n" + m).toString());
            assertEquals(0, run.code(), run.err());
            assertTrue(run.out().startsWith("restored revision " + summary.revision() + " ("), run.out());
        }
        try (TestCluster copy = TestCluster.start(3, restored, TestCluster.FAST, BackendSettings.of("rocksdb"))) {
            int leader = copy.awaitLeader(Duration.ofSeconds(10));
            for (int m = 0; m < 3; m++) {
                RangeResponse after = prefix(copy, m, 0);
                assertEquals(before.getKvsList(), after.getKvsList(), "member " + m);
                int hash = MaintenanceGrpc.newBlockingStub(copy.channel(m))
                        .hashKV(HashKVRequest.newBuilder().setRevision(summary.revision()).build()).getHash();
                assertEquals(summary.hash(), Integer.toUnsignedLong(hash), "member " + m);
            }
            PutResponse next = KVGrpc.newBlockingStub(copy.channel(leader)).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("backup/new")).setValue(ByteString.copyFromUtf8("v")).build());
            assertEquals(summary.revision() + 1, next.getHeader().getRevision());
        }
    }

    @Test
    void aDamagedOrTruncatedBackupIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path file = data.resolve("backup.db");
        try (TestCluster source = TestCluster.start(1, data.resolve("source"), TestCluster.FAST)) {
            source.awaitLeader(Duration.ofSeconds(10));
            KVGrpc.newBlockingStub(source.channel(0)).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("backup/a")).setValue(ByteString.copyFromUtf8("v")).build());
            assertEquals(0, cli("snapshot", "save", file.toString(),
                    "--endpoints=" + source.member(0).clientAddress()).code());
        }
        byte[] good = Files.readAllBytes(file);
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 1;
        Path damaged = Files.write(data.resolve("damaged.db"), flipped);
        Path target = data.resolve("new-member");
        Run refused = cli("snapshot", "restore", damaged.toString(), "--data-dir", target.toString());
        assertEquals(1, refused.code());
        assertTrue(refused.err().startsWith("flotilla: snapshot file " + damaged + " is damaged or incomplete: its "
                + "SHA-256 is "), refused.err());
        assertFalse(Files.exists(target.resolve("kv")), "nothing restored");
        Path truncated = Files.write(data.resolve("truncated.db"),
                java.util.Arrays.copyOf(good, good.length - 100));
        Run cut = cli("snapshot", "status", truncated.toString());
        assertEquals(1, cut.code());
        assertTrue(cut.err().contains("snapshot file " + truncated + " is damaged or incomplete"), cut.err());
        IOException empty = assertThrows(IOException.class,
                () -> BackupFile.verify(Files.write(data.resolve("empty.db"), new byte[0])));
        assertTrue(empty.getMessage().contains("too short to be a backup"), empty.getMessage());
    }

    @Test
    void etcdctlSnapshotSaveWritesABackupThatRestores() throws Exception {
        Optional<Path> binary = Etcdctl.find();
        Assumptions.assumeTrue(binary.isPresent(), "etcdctl is not installed (apt-get install -y etcd-client)");
        Path file = data.resolve("etcdctl.db");
        try (TestCluster source = TestCluster.start(1, data.resolve("source"), TestCluster.FAST)) {
            source.awaitLeader(Duration.ofSeconds(10));
            KVGrpc.newBlockingStub(source.channel(0)).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("backup/etcdctl")).setValue(ByteString.copyFromUtf8("v")).build());
            Etcdctl.Result saved = new Etcdctl(binary.get(), source.member(0).clientAddress().toString())
                    .run("snapshot", "save", file.toString());
            assertEquals(0, saved.code(), saved.out() + saved.err());
            assertTrue((saved.out() + saved.err()).contains("Snapshot saved at " + file), saved.out() + saved.err());
        }
        BackupFile.Summary summary = BackupFile.restore(file, data.resolve("restored/kv"), "rocksdb", Map.of());
        assertEquals(2, summary.revision());
        assertEquals(1, summary.totalKeys());
    }
}
