package io.flotilla.kv.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.ClusterGrpc;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MemberListRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutResponse;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.kv.service.internal.proto.ext.ExtensionGrpc;
import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.testing.TestCluster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three members in one JVM: forwarding, reads on every member, and leader loss. */
class ThreeNodeClusterTest {

    @TempDir
    Path data;

    private TestCluster cluster;
    private int leader;

    @BeforeEach
    void start() throws InterruptedException {
        cluster = TestCluster.start(3, data, TestCluster.FAST);
        leader = cluster.awaitLeader(Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private KVGrpc.KVBlockingStub kv(int member) {
        return KVGrpc.newBlockingStub(cluster.channel(member)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build();
    }

    private static RangeRequest get(String key) {
        return RangeRequest.newBuilder().setKey(bs(key)).build();
    }

    @Test
    void aWriteOnAFollowerIsForwardedAndEveryMemberReadsItLinearizably() {
        int follower = cluster.aFollower(leader);
        PutResponse put = kv(follower).put(put("fwd", "v1"));
        assertEquals(ClusterMembers.memberId(cluster.member(follower).id()), put.getHeader().getMemberId(),
                "the member the client called answers");
        for (int i = 0; i < 3; i++) {
            RangeResponse r = kv(i).range(get("fwd"));
            assertEquals("v1", r.getKvs(0).getValue().toStringUtf8(), "member " + i);
            assertEquals(put.getHeader().getRevision(), r.getKvs(0).getModRevision());
        }
    }

    @Test
    void eachWriteIsReadableAtOnceFromEveryMember() {
        for (int n = 0; n < 30; n++) {
            kv(n % 3).put(put("seq", "v" + n));
            assertEquals("v" + n, kv((n + 1) % 3).range(get("seq")).getKvs(0).getValue().toStringUtf8());
        }
    }

    @Test
    void serializableReadsOnEveryMemberConverge() throws InterruptedException {
        long rev = kv(leader).put(put("conv", "x")).getHeader().getRevision();
        for (int i = 0; i < 3; i++) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            RangeResponse r;
            do {
                r = kv(i).range(get("conv").toBuilder().setSerializable(true).build());
                if (r.getCount() == 0) {
                    Thread.sleep(10);
                }
            } while (r.getCount() == 0 && System.nanoTime() < deadline);
            assertEquals(rev, r.getKvs(0).getModRevision(), "member " + i);
        }
    }

    @Test
    void appendOnAFollowerIsForwarded() {
        int follower = cluster.aFollower(leader);
        ExtensionGrpc.ExtensionBlockingStub ext = ExtensionGrpc.newBlockingStub(cluster.channel(follower))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        ext.append(AppendRequest.newBuilder().setKey(bs("log")).setValue(bs("a")).build());
        assertEquals("ab", ext.append(AppendRequest.newBuilder().setKey(bs("log")).setValue(bs("b")).build())
                .getKv().getValue().toStringUtf8());
    }

    @Test
    void memberListShowsEveryMemberOnEveryMember() {
        for (int i = 0; i < 3; i++) {
            var members = ClusterGrpc.newBlockingStub(cluster.channel(i)).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .memberList(MemberListRequest.getDefaultInstance());
            assertEquals(3, members.getMembersCount());
            assertEquals(ClusterMembers.memberId(cluster.member(i).id()), members.getHeader().getMemberId());
        }
    }

    @Test
    void afterTheLeaderStopsTheOthersElectANewOneAndKeepEveryWrite() throws InterruptedException {
        kv(leader).put(put("before", "1"));
        cluster.stopMember(leader);
        int survivor = cluster.aFollower(leader);
        int newLeader = cluster.awaitLeader(Duration.ofSeconds(10));
        assertTrue(newLeader != leader);
        kv(survivor).put(put("after", "2"));
        assertEquals("1", kv(survivor).range(get("before")).getKvs(0).getValue().toStringUtf8());

        cluster.startMember(leader);
        cluster.awaitLeader(Duration.ofSeconds(10));
        assertEquals("2", kv(leader).range(get("after")).getKvs(0).getValue().toStringUtf8(),
                "the restarted member caught up and reads linearizably");
    }

    @Test
    void withoutAQuorumWritesFailWithUnavailable() throws InterruptedException {
        int follower = cluster.aFollower(leader);
        for (int i = 0; i < 3; i++) {
            if (i != follower) {
                cluster.stopMember(i);
            }
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> kv(follower).put(put("lost", "x")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().startsWith("etcdserver: "), e.toString());
        RangeResponse stale = kv(follower).range(get("lost").toBuilder().setSerializable(true).build());
        assertEquals(0, stale.getCount(), "serializable reads are still served locally");
    }
}
