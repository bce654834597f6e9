package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.flotilla.kv.service.mvcc.BackupFile;
import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.testing.TestCluster;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jetcd's own Maintenance client, unchanged: status, alarms, HashKV, a snapshot and moving the leader. */
class JetcdMaintenanceTest {

    @TempDir
    Path data;

    private static Client client(TestCluster cluster, int member) {
        return Client.builder().endpoints("http://" + cluster.member(member).clientAddress()).build();
    }

    @Test
    void statusAlarmsHashSnapshotAndMoveLeaderWorkThroughJetcd() throws Exception {
        try (TestCluster cluster = TestCluster.start(3, data.resolve("cluster"), TestCluster.FAST)) {
            int leader = cluster.awaitLeader(Duration.ofSeconds(10));
            int follower = cluster.aFollower(leader);
            try (Client toLeader = client(cluster, leader); Client toFollower = client(cluster, follower)) {
                long revision = toLeader.getKVClient().put(ByteSequence.from("jetcd/k", StandardCharsets.UTF_8),
                        ByteSequence.from("v", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getHeader()
                        .getRevision();
                String followerUrl = "http://" + cluster.member(follower).clientAddress();
                StatusResponse status = toFollower.getMaintenanceClient().statusMember(followerUrl)
                        .get(10, TimeUnit.SECONDS);
                assertEquals("3.5.0", status.getVersion());
                assertEquals(ClusterMembers.memberId(cluster.member(leader).id()), status.getLeader());
                assertEquals(0, toFollower.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS)
                        .getAlarms().size());
                assertTrue(toFollower.getMaintenanceClient().hashKV(followerUrl, 0).get(10, TimeUnit.SECONDS)
                        .getHeader().getRevision() >= 1);

                ByteArrayOutputStream backup = new ByteArrayOutputStream();
                long size = toFollower.getMaintenanceClient().snapshot(backup).get(30, TimeUnit.SECONDS);
                assertEquals(backup.size(), size);
                Path file = Files.write(data.resolve("jetcd.db"), backup.toByteArray());
                BackupFile.verify(file);
                BackupFile.Summary summary = BackupFile.inspect(file, Files.createDirectories(data.resolve("s")),
                        "rocksdb");
                assertTrue(summary.revision() <= revision && summary.revision() >= 1, summary.toString());

                long target = ClusterMembers.memberId(cluster.member(follower).id());
                toLeader.getMaintenanceClient().moveLeader(target).get(10, TimeUnit.SECONDS);
                assertEquals(follower, cluster.awaitLeader(Duration.ofSeconds(10)));
            }
        }
    }
}
