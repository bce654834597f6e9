package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest;
import io.flotilla.kv.service.internal.proto.etcd.AlarmType;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MoveLeaderRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.health.HealthCheckRequest;
import io.flotilla.kv.service.internal.proto.health.HealthCheckResponse;
import io.flotilla.kv.service.internal.proto.health.HealthCheckResponse.ServingStatus;
import io.flotilla.kv.service.internal.proto.health.HealthGrpc;
import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.ops.Versions;
import io.flotilla.kv.service.testing.TestCluster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator relies on, against a three-member cluster: etcd's {@code /health}, {@code /version} and
 * {@code /metrics}, the standard gRPC health service, and MoveLeader (through the API and through etcdctl).
 */
class OperationsTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;

    /** One HTTP answer. */
    private record Answer(int statusCode, String body, HttpURLConnection connection) {
    }

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = TestCluster.start(3, data, TestCluster.FAST);
        cluster.awaitLeader(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Answer get(int member, String path) throws IOException {
        return call(cluster.http(member, path), "GET");
    }

    /** An HTTP request as curl or a prober makes it (HttpURLConnection: java.net.http is not in the module graph). */
    private static Answer call(URI uri, String method) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(5000);
        c.setReadTimeout(10_000);
        int code = c.getResponseCode();
        try (var in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(code, body, c);
        }
    }

    /** A sample's value in a scrape, e.g. {@code grpc_server_handled_total{grpc_code="OK",...Put...}}. */
    private static double sample(String scrape, String name, String... labelParts) {
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + " ") && !line.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (String part : labelParts) {
                all &= line.contains(part);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0; // a labelled counter that has not counted yet is absent
    }

    @Test
    void healthAndVersionAnswerAsEtcd() throws Exception {
        for (int m = 0; m < 3; m++) {
            Answer health = get(m, "/health");
            assertEquals(200, health.statusCode());
            assertEquals("{\"health\":\"true\",\"reason\":\"\"}", health.body());
        }
        Answer version = get(0, "/version");
        assertEquals(200, version.statusCode());
        assertEquals("{\"etcdserver\":\"3.5.0\",\"etcdcluster\":\"3.5.0\",\"flotilla\":\"" + Versions.FLOTILLA + "\"}",
                version.body());
        assertTrue(Versions.FLOTILLA.matches("\\d+\\.\\d+\\.\\d+.*"), Versions.FLOTILLA);
        Answer post = call(cluster.http(0, "/health"), "POST");
        assertEquals(405, post.statusCode());
        assertEquals("GET", post.connection().getHeaderField("Allow"));
    }

    @Test
    void anAlarmMakesEveryMemberUnhealthyUntilItIsDisarmed() throws Exception {
        MaintenanceGrpc.MaintenanceBlockingStub maintenance = MaintenanceGrpc.newBlockingStub(cluster.channel(0));
        long memberId = ClusterMembers.memberId(cluster.member(1).id());
        AlarmRequest noSpace = AlarmRequest.newBuilder().setAlarm(AlarmType.NOSPACE).setMemberID(memberId)
                .setAction(AlarmRequest.AlarmAction.ACTIVATE).build();
        HealthGrpc.HealthBlockingStub grpcHealth = HealthGrpc.newBlockingStub(cluster.channel(2));
        maintenance.alarm(noSpace);
        try {
            awaitHealth(2, "/health", 503, "{\"health\":\"false\",\"reason\":\"ALARM NOSPACE\"}\n");
            assertEquals(ServingStatus.NOT_SERVING, grpcHealth.check(HealthCheckRequest.getDefaultInstance())
                    .getStatus());
            awaitHealth(2, "/health?exclude=NOSPACE", 200, "{\"health\":\"true\",\"reason\":\"\"}");
        } finally {
            maintenance.alarm(noSpace.toBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE).build());
        }
        awaitHealth(2, "/health", 200, "{\"health\":\"true\",\"reason\":\"\"}");
        assertEquals(ServingStatus.SERVING, grpcHealth.check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }

    /** The alarm reaches each member when it applies it: wait for that, bounded. */
    private static void awaitHealth(int member, String path, int status, String body) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Answer last;
        do {
            last = get(member, path);
            if (last.statusCode() == status && last.body().equals(body)) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertEquals(status + " " + body, last.statusCode() + " " + last.body());
    }

    @Test
    void grpcHealthKnowsOnlyTheServerAsAWhole() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(cluster.channel(1));
        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> health.check(HealthCheckRequest.newBuilder().setService("etcdserverpb.Nope").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        Iterator<HealthCheckResponse> watch = health.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
                .watch(HealthCheckRequest.getDefaultInstance());
        assertEquals(ServingStatus.SERVING, watch.next().getStatus());
        Iterator<HealthCheckResponse> unknownWatch = health.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
                .watch(HealthCheckRequest.newBuilder().setService("etcdserverpb.Nope").build());
        assertEquals(ServingStatus.SERVICE_UNKNOWN, unknownWatch.next().getStatus());
    }

    @Test
    void metricsCountTheWorkDone() throws Exception {
        int leader = cluster.awaitLeader(Duration.ofSeconds(10));
        String before = get(leader, "/metrics").body();
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(cluster.channel(leader));
        int puts = 20;
        for (int i = 0; i < puts; i++) {
            kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("metrics/" + i))
                    .setValue(ByteString.copyFromUtf8("v")).build());
        }
        String after = get(leader, "/metrics").body();
        String[] put = {"grpc_method=\"Put\"", "grpc_service=\"etcdserverpb.KV\"", "grpc_type=\"unary\""};
        assertEquals(puts, sample(after, "grpc_server_started_total", put)
                - sample(before, "grpc_server_started_total", put));
        String[] putOk = {"grpc_method=\"Put\"", "grpc_code=\"OK\""};
        assertEquals(puts, sample(after, "grpc_server_handled_total", putOk)
                - sample(before, "grpc_server_handled_total", putOk));
        assertEquals(puts, sample(after, "grpc_server_handling_seconds_count", put)
                - sample(before, "grpc_server_handling_seconds_count", put));
        for (String counted : new String[] {"etcd_server_proposals_committed_total",
            "etcd_server_proposals_applied_total", "etcd_disk_wal_fsync_duration_seconds_count",
            "etcd_disk_backend_commit_duration_seconds_count"}) {
            // Each put is its own entry (a closed loop): at least one more entry, write and commit per put.
            assertTrue(sample(after, counted) - sample(before, counted) >= puts, counted + ": " + sample(before,
                    counted) + " -> " + sample(after, counted));
        }
        assertEquals(1, sample(after, "etcd_server_has_leader"));
        assertEquals(1, sample(after, "etcd_server_is_leader"));
        assertEquals(0, sample(after, "etcd_server_proposals_pending"));
        assertTrue(sample(after, "etcd_server_leader_changes_seen_total") >= 1);
        assertTrue(sample(after, "etcd_mvcc_db_total_size_in_bytes") > 0);
        assertTrue(sample(after, "etcd_debugging_mvcc_current_revision") >= puts + 1);
        assertTrue(sample(after, "jvm_memory_used_bytes", "area=\"heap\"") > 0, "the JVM's own metrics");
        assertEquals(1, sample(after, "etcd_server_version", "server_version=\"3.5.0\""));
        int follower = cluster.aFollower(leader);
        String followers = get(follower, "/metrics").body();
        assertEquals(0, sample(followers, "etcd_server_is_leader"));
        assertEquals(1, sample(followers, "etcd_server_has_leader"));
    }

    @Test
    void moveLeaderHandsOverToTheTargetAndRefusesWhatEtcdRefuses() throws Exception {
        int leader = cluster.awaitLeader(Duration.ofSeconds(10));
        int target = cluster.aFollower(leader);
        long targetId = ClusterMembers.memberId(cluster.member(target).id());
        StatusRuntimeException notLeader = assertThrows(StatusRuntimeException.class,
                () -> MaintenanceGrpc.newBlockingStub(cluster.channel(target))
                        .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(targetId).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, notLeader.getStatus().getCode());
        assertEquals("etcdserver: not leader", notLeader.getStatus().getDescription());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> MaintenanceGrpc.newBlockingStub(cluster.channel(leader))
                        .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(12345).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, unknown.getStatus().getCode());
        assertEquals("etcdserver: bad leader transferee", unknown.getStatus().getDescription());

        double changesBefore = sample(get(target, "/metrics").body(), "etcd_server_leader_changes_seen_total");
        MaintenanceGrpc.newBlockingStub(cluster.channel(leader))
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(targetId).build());
        assertEquals(target, cluster.awaitLeader(Duration.ofSeconds(10)));
        assertEquals(changesBefore + 1, sample(get(target, "/metrics").body(),
                "etcd_server_leader_changes_seen_total"));
    }

    @Test
    void etcdctlMovesTheLeaderAndFindsEveryMemberHealthy() throws Exception {
        Optional<Path> binary = Etcdctl.find();
        Assumptions.assumeTrue(binary.isPresent(), "etcdctl is not installed (apt-get install -y etcd-client)");
        String endpoints = cluster.member(0).clientAddress() + "," + cluster.member(1).clientAddress() + ","
                + cluster.member(2).clientAddress();
        Etcdctl etcdctl = new Etcdctl(binary.get(), endpoints);
        Etcdctl.Result health = etcdctl.run("endpoint", "health");
        assertEquals(0, health.code(), health.out() + health.err());
        assertEquals(3, Pattern.compile("is healthy").matcher(health.out() + health.err()).results().count(),
                health.out() + health.err());

        int leader = cluster.awaitLeader(Duration.ofSeconds(10));
        int target = cluster.aFollower(leader);
        String targetHex = Long.toHexString(ClusterMembers.memberId(cluster.member(target).id()));
        Etcdctl.Result moved = etcdctl.run("move-leader", targetHex);
        assertEquals(0, moved.code(), moved.out() + moved.err());
        Matcher line = Pattern.compile("Leadership transferred from (\\w+) to (\\w+)").matcher(moved.out());
        assertTrue(line.find(), moved.out());
        assertEquals(Long.toHexString(ClusterMembers.memberId(cluster.member(leader).id())), line.group(1));
        assertEquals(targetHex, line.group(2));
        assertEquals(target, cluster.awaitLeader(Duration.ofSeconds(10)));
    }

    @Test
    void aLeaderThatLostItsQuorumStepsDownAndIsUnhealthyButServesSerializableChecks(@TempDir Path own)
            throws Exception {
        try (TestCluster small = TestCluster.start(3, own, TestCluster.FAST)) {
            int alone = small.awaitLeader(Duration.ofSeconds(10));
            for (int m = 0; m < 3; m++) {
                if (m != alone) {
                    small.stopMember(m);
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Answer last = call(small.http(alone, "/health"), "GET");
            String noLeader = "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n";
            // Check-quorum: the leader steps down an election timeout after losing its quorum. While it does, a
            // check may find the leader still known and its read refused (RANGE ERROR): wait for the steady answer.
            while (!last.body().equals(noLeader) && System.nanoTime() < deadline) {
                assertTrue(last.statusCode() == 200 || last.body().startsWith(
                        "{\"health\":\"false\",\"reason\":\"RANGE ERROR:etcdserver: "), last.body());
                Thread.sleep(50);
                last = call(small.http(alone, "/health"), "GET");
            }
            assertEquals(503, last.statusCode(), last.body());
            assertEquals(noLeader, last.body());
            Answer serializable = call(small.http(alone, "/health?serializable=true"), "GET");
            assertEquals(200, serializable.statusCode(), serializable.body());
            Answer metrics = call(small.http(alone, "/metrics"), "GET");
            assertTrue(sample(metrics.body(), "etcd_server_health_failures") >= 1);
            assertEquals(0, sample(metrics.body(), "etcd_server_has_leader"));
            assertEquals(ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(small.channel(alone))
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
        }
    }
}
