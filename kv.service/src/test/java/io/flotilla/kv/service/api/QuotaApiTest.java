package io.flotilla.kv.service.api;

import static io.flotilla.kv.service.api.SingleNodeApiTest.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.AlarmMember;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest.AlarmAction;
import io.flotilla.kv.service.internal.proto.etcd.AlarmResponse;
import io.flotilla.kv.service.internal.proto.etcd.AlarmType;
import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.DefragmentRequest;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.HashKVRequest;
import io.flotilla.kv.service.internal.proto.etcd.HashKVResponse;
import io.flotilla.kv.service.internal.proto.etcd.HashRequest;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.StatusRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.kv.service.internal.proto.ext.ExtensionGrpc;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.service.mvcc.RequestLimits;
import io.flotilla.kv.service.node.BackendSettings;
import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.node.HostPort;
import io.flotilla.kv.service.node.MemberInfo;
import io.flotilla.kv.service.node.ServerSettings;
import io.flotilla.kv.service.server.KvServer;
import io.flotilla.kv.service.testing.FreePorts;
import io.flotilla.kv.service.testing.TestCluster;
import io.flotilla.raft.api.NodeId;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's quota over the gRPC API of a one-member cluster with a tiny quota on the memory backend: writes past the
 * quota raise the NOSPACE alarm and fail with etcd's error; the Maintenance calls an operator recovers with (alarm
 * list, compact, defragment, alarm disarm) and HashKV, Hash and Status.
 */
class QuotaApiTest {

    private static final long QUOTA = 64 * 1024;
    private static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";

    @TempDir
    Path data;

    private KvServer server;
    private ManagedChannel channel;
    private long memberId;

    private void start(long quota) throws InterruptedException {
        start(quota, "periodic", "0");
    }

    private void start(long quota, String autoCompactionMode, String autoCompactionRetention)
            throws InterruptedException {
        MemberInfo self = new MemberInfo(NodeId.of("n1"), new HostPort("127.0.0.1", FreePorts.next()),
                new HostPort("127.0.0.1", FreePorts.next()));
        ServerSettings settings = new ServerSettings(self.id(), data.resolve("n1"), List.of(self), TestCluster.FAST,
                Map.of(), Map.of(), RequestLimits.DEFAULT_MAX_REQUEST_BYTES,
                new BackendSettings("memory", Map.of(), quota, autoCompactionMode, autoCompactionRetention));
        server = KvServer.start(settings, Duration.ofSeconds(2));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", self.clientAddress().port()).usePlaintext().build();
        memberId = ClusterMembers.memberId(self.id());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.node().status().leader().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    private KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private MaintenanceGrpc.MaintenanceBlockingStub maintenance() {
        return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static PutRequest put(String key, int bytes) {
        return PutRequest.newBuilder().setKey(bs(key)).setValue(ByteString.copyFrom(new byte[bytes])).build();
    }

    private static AlarmRequest alarm(AlarmAction action, long member, AlarmType type) {
        return AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarm(type).build();
    }

    @Test
    void writesPastTheQuotaRaiseTheAlarmAndTheOperatorRecoversAsEtcdsDocsSay() throws Exception {
        start(QUOTA);
        // Fill until a put is refused. Each put costs 256 + key + value against the backend size, and the leader
        // refuses it when size + cost reaches the quota (QuotaGaugeTest checks that rule exactly). Here the size the
        // leader read is not observable: RocksDB's background flushes move it both ways at any moment (an immutable
        // memtable and its new table file are both counted until the flush ends), so predicting from Status which put
        // will be refused made this test flaky. What it checks: puts are refused with etcd's error once the store is
        // full, after some fitted.
        int written = 0;
        while (true) {
            PutRequest next = put("fill/" + written, 4096);
            io.grpc.StatusRuntimeException refused = null;
            try {
                kv().put(next);
            } catch (io.grpc.StatusRuntimeException e) {
                refused = e;
            }
            if (refused != null) {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.toString());
                assertEquals(NO_SPACE, refused.getStatus().getDescription());
                break;
            }
            written++;
            assertTrue(written < 100, "the quota must be reached");
        }
        assertTrue(written >= 3, "some puts fit: " + written);

        // The alarm is raised through Raft, listed by Alarm GET and in Status.errors.
        AlarmMember noSpace = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(AlarmType.NOSPACE).build();
        AlarmResponse alarms = maintenance().alarm(alarm(AlarmAction.GET, 0, AlarmType.NONE));
        assertEquals(List.of(noSpace), alarms.getAlarmsList());
        assertEquals(memberId, alarms.getHeader().getMemberId());
        assertEquals(List.of(noSpace), maintenance().alarm(alarm(AlarmAction.GET, 0, AlarmType.NOSPACE))
                .getAlarmsList());
        assertEquals(List.of(), maintenance().alarm(alarm(AlarmAction.GET, 0, AlarmType.CORRUPT)).getAlarmsList());
        StatusResponse status = maintenance().status(StatusRequest.getDefaultInstance());
        assertEquals(List.of("memberID:" + Long.toUnsignedString(memberId) + " alarm:NOSPACE "),
                status.getErrorsList());
        assertEquals(QUOTA, status.getDbSizeQuota());

        // Every write that grows the store now fails, even a small one the size check alone would let through.
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, NO_SPACE, () -> kv().put(put("small", 1)));
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, NO_SPACE, () -> kv().txn(TxnRequest.newBuilder()
                .addFailure(RequestOp.newBuilder().setRequestPut(put("t", 1))).build()));
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, NO_SPACE, () -> ExtensionGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .append(AppendRequest.newBuilder().setKey(bs("fill/0")).setValue(bs("x")).build()));
        // Reads, deletes and transactions without puts work.
        assertEquals(written, kv().range(RangeRequest.newBuilder().setKey(bs("fill/")).setRangeEnd(bs("fill0"))
                .setCountOnly(true).build()).getCount());
        assertEquals(written - 1, kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("fill/1"))
                .setRangeEnd(bs("fill0")).build()).getDeleted());
        assertTrue(kv().txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                DeleteRangeRequest.newBuilder().setKey(bs("fill/0")))).build()).getSucceeded());

        // Recovery, as etcd's maintenance guide: compact, defragment, disarm.
        long revision = kv().range(RangeRequest.newBuilder().setKey(bs("x")).build()).getHeader().getRevision();
        long sizeBefore = maintenance().status(StatusRequest.getDefaultInstance()).getDbSize();
        kv().compact(CompactionRequest.newBuilder().setRevision(revision).setPhysical(true).build());
        maintenance().defragment(DefragmentRequest.getDefaultInstance());
        long sizeAfter = maintenance().status(StatusRequest.getDefaultInstance()).getDbSize();
        assertTrue(sizeAfter < sizeBefore / 4, "the physical compaction dropped the history: " + sizeBefore + " -> "
                + sizeAfter);
        AlarmResponse disarmed = maintenance().alarm(alarm(AlarmAction.DEACTIVATE, memberId, AlarmType.NOSPACE));
        assertEquals(List.of(noSpace), disarmed.getAlarmsList());
        assertEquals(List.of(), maintenance().alarm(alarm(AlarmAction.GET, 0, AlarmType.NONE)).getAlarmsList());
        assertEquals(List.of(), maintenance().status(StatusRequest.getDefaultInstance()).getErrorsList());
        assertEquals(revision + 1, kv().put(put("after", 4096)).getHeader().getRevision());
    }

    @Test
    void aSingleWriteLargerThanTheQuotaIsRefusedBeforeItIsProposed() throws Exception {
        start(QUOTA);
        long revision = kv().put(put("small", 10)).getHeader().getRevision();
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, NO_SPACE, () -> kv().put(put("huge", (int) QUOTA)));
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, NO_SPACE, () -> kv().txn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(put("a", (int) QUOTA / 2)))
                .addSuccess(RequestOp.newBuilder().setRequestPut(put("b", (int) QUOTA / 2))).build()));
        assertEquals(revision, kv().range(RangeRequest.newBuilder().setKey(bs("small")).build()).getHeader()
                .getRevision(), "nothing was written");
        assertEquals(1, maintenance().alarm(alarm(AlarmAction.GET, 0, AlarmType.NONE)).getAlarmsCount());
    }

    @Test
    void aNegativeQuotaTurnsTheCheckOff() throws Exception {
        start(-1);
        kv().put(put("big", 200 * 1024));
        StatusResponse status = maintenance().status(StatusRequest.getDefaultInstance());
        assertTrue(status.getDbSize() > 200 * 1024);
        assertEquals(0, status.getDbSizeQuota());
        assertEquals(List.of(), status.getErrorsList());
    }

    @Test
    void alarmsCanBeRaisedAndClearedOverTheApiAndCorruptStopsWrites() throws Exception {
        start(0);
        AlarmMember corrupt = AlarmMember.newBuilder().setMemberID(77).setAlarm(AlarmType.CORRUPT).build();
        assertEquals(List.of(corrupt), maintenance().alarm(alarm(AlarmAction.ACTIVATE, 77, AlarmType.CORRUPT))
                .getAlarmsList());
        assertStatus(Status.Code.DATA_LOSS, KvError.CORRUPT.message(), () -> kv().put(put("a", 1)));
        assertStatus(Status.Code.DATA_LOSS, KvError.CORRUPT.message(), () -> kv().deleteRange(
                DeleteRangeRequest.newBuilder().setKey(bs("a")).build()));
        assertEquals(0, kv().range(RangeRequest.newBuilder().setKey(bs("a")).build()).getCount());
        assertEquals(List.of("memberID:77 alarm:CORRUPT "),
                maintenance().status(StatusRequest.getDefaultInstance()).getErrorsList());
        assertEquals(List.of(corrupt), maintenance().alarm(alarm(AlarmAction.DEACTIVATE, 77, AlarmType.CORRUPT))
                .getAlarmsList());
        assertEquals(List.of(), maintenance().alarm(alarm(AlarmAction.DEACTIVATE, 77, AlarmType.CORRUPT))
                .getAlarmsList());
        kv().put(put("a", 1));
    }

    @Test
    void theLeaderCompactsOnItsOwnWithAutoCompaction() throws Exception {
        start(0, "periodic", "1s"); // samples every 100 ms; compacts after 1 s to the revision of ~1 s before
        long first = kv().put(PutRequest.newBuilder().setKey(bs("auto")).setValue(bs("0")).build()).getHeader()
                .getRevision();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long compacted = 0;
        int i = 1;
        while (compacted < first && System.nanoTime() < deadline) {
            kv().put(PutRequest.newBuilder().setKey(bs("auto")).setValue(bs(Integer.toString(i++))).build());
            Thread.sleep(50);
            compacted = maintenance().hashKV(HashKVRequest.getDefaultInstance()).getCompactRevision();
        }
        assertTrue(compacted >= first, "auto-compaction ran: compaction revision " + compacted);
        long revision = kv().range(RangeRequest.newBuilder().setKey(bs("auto")).build()).getHeader().getRevision();
        assertTrue(compacted < revision, "about a second of history is kept: " + compacted + " < " + revision);
        assertStatus(Status.Code.OUT_OF_RANGE, KvError.COMPACTED.message(), () -> kv().range(
                RangeRequest.newBuilder().setKey(bs("auto")).setRevision(first - 1).build()));
    }

    @Test
    void hashKvAndHash() throws Exception {
        start(0);
        for (int i = 0; i < 10; i++) {
            kv().put(PutRequest.newBuilder().setKey(bs("h" + (i % 3))).setValue(bs("v" + i)).build());
        }
        HashKVResponse all = maintenance().hashKV(HashKVRequest.getDefaultInstance());
        assertEquals(11, all.getHeader().getRevision());
        assertEquals(11, all.getHashRevision());
        assertEquals(0, all.getCompactRevision());
        assertEquals(memberId, all.getHeader().getMemberId());
        assertEquals(all.getHash(), maintenance().hash(HashRequest.getDefaultInstance()).getHash());
        HashKVResponse at5 = maintenance().hashKV(HashKVRequest.newBuilder().setRevision(5).build());
        assertEquals(5, at5.getHashRevision());
        assertFalse(at5.getHash() == all.getHash());
        kv().compact(CompactionRequest.newBuilder().setRevision(6).build());
        assertEquals(6, maintenance().hashKV(HashKVRequest.getDefaultInstance()).getCompactRevision());
        assertStatus(Status.Code.OUT_OF_RANGE, KvError.COMPACTED.message(),
                () -> maintenance().hashKV(HashKVRequest.newBuilder().setRevision(5).build()));
        assertStatus(Status.Code.OUT_OF_RANGE, KvError.FUTURE_REVISION.message(),
                () -> maintenance().hashKV(HashKVRequest.newBuilder().setRevision(50).build()));
    }
}
