package io.flotilla.kv.service.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.ClusterGrpc;
import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MemberAddRequest;
import io.flotilla.kv.service.internal.proto.etcd.MemberPromoteRequest;
import io.flotilla.kv.service.internal.proto.etcd.MemberListRequest;
import io.flotilla.kv.service.internal.proto.etcd.MemberListResponse;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutResponse;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.StatusRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.etcd.TxnResponse;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendResponse;
import io.flotilla.kv.service.internal.proto.ext.ExtensionGrpc;
import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.testing.TestCluster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The etcd API of a one-member cluster, over gRPC: results, headers, and the errors clients rely on. */
class SingleNodeApiTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() throws InterruptedException {
        cluster = TestCluster.start(1, data, TestCluster.FAST);
        cluster.awaitLeader(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(cluster.channel(0)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    @Test
    void putThenGetWithAFullHeader() {
        PutResponse put = kv().put(PutRequest.newBuilder().setKey(bs("hdr/a")).setValue(bs("1")).build());
        RangeResponse get = kv().range(RangeRequest.newBuilder().setKey(bs("hdr/a")).build());
        assertEquals("1", get.getKvs(0).getValue().toStringUtf8());
        assertEquals(put.getHeader().getRevision(), get.getKvs(0).getModRevision());
        assertTrue(get.getHeader().getRevision() >= put.getHeader().getRevision());
        assertEquals(ClusterMembers.memberId(cluster.member(0).id()), get.getHeader().getMemberId());
        assertNotEquals(0, get.getHeader().getClusterId());
        assertTrue(get.getHeader().getRaftTerm() >= 1);
        assertEquals(put.getHeader().getClusterId(), get.getHeader().getClusterId());
    }

    @Test
    void prefixRangeAndRevisionReads() {
        kv().put(PutRequest.newBuilder().setKey(bs("pre/1")).setValue(bs("a")).build());
        long rev = kv().put(PutRequest.newBuilder().setKey(bs("pre/2")).setValue(bs("b")).build())
                .getHeader().getRevision();
        kv().put(PutRequest.newBuilder().setKey(bs("pre/2")).setValue(bs("c")).build());
        RangeResponse prefix = kv().range(RangeRequest.newBuilder().setKey(bs("pre/")).setRangeEnd(bs("pre0"))
                .build());
        assertEquals(2, prefix.getCount());
        assertEquals("c", prefix.getKvs(1).getValue().toStringUtf8());
        RangeResponse old = kv().range(RangeRequest.newBuilder().setKey(bs("pre/2")).setRevision(rev).build());
        assertEquals("b", old.getKvs(0).getValue().toStringUtf8());
        RangeResponse serializable = kv().range(RangeRequest.newBuilder().setKey(bs("pre/")).setRangeEnd(bs("pre0"))
                .setSerializable(true).build());
        assertEquals(2, serializable.getCount());
    }

    @Test
    void deleteAndTxn() {
        kv().put(PutRequest.newBuilder().setKey(bs("tx/a")).setValue(bs("1")).build());
        TxnResponse txn = kv().txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("tx/a")).setTarget(Compare.CompareTarget.VALUE)
                        .setValue(bs("1")))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("tx/b"))
                        .setValue(bs("2"))))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(bs("tx/a")).setPrevKv(true)))
                .build());
        assertTrue(txn.getSucceeded());
        assertEquals(1, txn.getResponses(1).getResponseDeleteRange().getDeleted());
        assertEquals(0, kv().range(RangeRequest.newBuilder().setKey(bs("tx/a")).build()).getCount());
        assertEquals(1, kv().range(RangeRequest.newBuilder().setKey(bs("tx/b")).build()).getCount());
        TxnResponse readOnly = kv().txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                .setRequestRange(RangeRequest.newBuilder().setKey(bs("tx/b")))).build());
        assertEquals(txn.getHeader().getRevision(), readOnly.getHeader().getRevision());
        assertEquals("2", readOnly.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8());
    }

    @Test
    void emptyKeysAreRefusedWithEtcdsError() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
                () -> kv().range(RangeRequest.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
                () -> kv().put(PutRequest.newBuilder().setValue(bs("x")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
                () -> kv().deleteRange(DeleteRangeRequest.getDefaultInstance()));
    }

    @Test
    void anOversizedRequestIsRefusedWithEtcdsError() {
        byte[] big = new byte[1536 * 1024 + 1];
        assertStatus(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large",
                () -> kv().put(PutRequest.newBuilder().setKey(bs("big")).setValue(ByteString.copyFrom(big)).build()));
        byte[] fits = new byte[1024 * 1024];
        kv().put(PutRequest.newBuilder().setKey(bs("big")).setValue(ByteString.copyFrom(fits)).build());
        assertEquals(fits.length, kv().range(RangeRequest.newBuilder().setKey(bs("big")).build())
                .getKvs(0).getValue().size());
    }

    @Test
    void compactedAndFutureRevisionsAreOutOfRange() {
        long rev = kv().put(PutRequest.newBuilder().setKey(bs("cmp/a")).setValue(bs("1")).build())
                .getHeader().getRevision();
        kv().put(PutRequest.newBuilder().setKey(bs("cmp/a")).setValue(bs("2")).build());
        assertStatus(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision",
                () -> kv().range(RangeRequest.newBuilder().setKey(bs("cmp/a")).setRevision(rev + 1000).build()));
        kv().compact(CompactionRequest.newBuilder().setRevision(rev + 1).build());
        assertStatus(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted",
                () -> kv().range(RangeRequest.newBuilder().setKey(bs("cmp/a")).setRevision(rev).build()));
        assertStatus(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted",
                () -> kv().compact(CompactionRequest.newBuilder().setRevision(rev).build()));
    }

    @Test
    void txnLimitsAreEnforced() {
        TxnRequest.Builder tooMany = TxnRequest.newBuilder();
        for (int i = 0; i <= 128; i++) {
            tooMany.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("k" + i))));
        }
        assertStatus(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request",
                () -> kv().txn(tooMany.build()));
        RequestOp putK = RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("dup"))).build();
        assertStatus(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request",
                () -> kv().txn(TxnRequest.newBuilder().addSuccess(putK).addSuccess(putK).build()));
    }

    @Test
    void leasesAreNotFound() {
        assertStatus(Status.Code.NOT_FOUND, "etcdserver: requested lease not found",
                () -> kv().put(PutRequest.newBuilder().setKey(bs("l")).setLease(42).build()));
    }

    @Test
    void memberListAndStatus() {
        MemberListResponse members = ClusterGrpc.newBlockingStub(cluster.channel(0))
                .withDeadlineAfter(5, TimeUnit.SECONDS).memberList(MemberListRequest.getDefaultInstance());
        assertEquals(1, members.getMembersCount());
        assertEquals("n1", members.getMembers(0).getName());
        assertEquals("http://" + cluster.member(0).clientAddress(), members.getMembers(0).getClientURLs(0));
        assertEquals("http://" + cluster.member(0).peerAddress(), members.getMembers(0).getPeerURLs(0));
        StatusResponse status = MaintenanceGrpc.newBlockingStub(cluster.channel(0))
                .withDeadlineAfter(5, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
        assertEquals(members.getMembers(0).getID(), status.getLeader());
        assertEquals(status.getHeader().getMemberId(), status.getLeader());
        assertTrue(status.getRaftIndex() >= 1);
        assertTrue(status.getRaftTerm() >= 1);
        assertFalse(status.getVersion().isEmpty());
    }

    @Test
    void unservedMethodsAreUnimplemented() {
        assertStatus(Status.Code.UNIMPLEMENTED, null, () -> ClusterGrpc.newBlockingStub(cluster.channel(0))
                .memberAdd(MemberAddRequest.getDefaultInstance()));
        assertStatus(Status.Code.UNIMPLEMENTED, null, () -> ClusterGrpc.newBlockingStub(cluster.channel(0))
                .memberPromote(MemberPromoteRequest.getDefaultInstance()));
    }

    @Test
    void appendIsAtomicAndReturnsTheNewValueAndRevision() {
        ExtensionGrpc.ExtensionBlockingStub ext = ExtensionGrpc.newBlockingStub(cluster.channel(0))
                .withDeadlineAfter(5, TimeUnit.SECONDS);
        AppendResponse first = ext.append(AppendRequest.newBuilder().setKey(bs("ap")).setValue(bs("x")).build());
        AppendResponse second = ext.append(AppendRequest.newBuilder().setKey(bs("ap")).setValue(bs("y")).build());
        assertEquals("xy", second.getKv().getValue().toStringUtf8());
        assertEquals(first.getHeader().getRevision() + 1, second.getHeader().getRevision());
        assertEquals(second.getHeader().getRevision(), second.getKv().getModRevision());
        assertArrayEquals(bs("xy").toByteArray(), kv().range(RangeRequest.newBuilder().setKey(bs("ap")).build())
                .getKvs(0).getValue().toByteArray());
        assertStatus(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
                () -> ext.append(AppendRequest.newBuilder().setValue(bs("x")).build()));
    }

    static void assertStatus(Status.Code code, String message, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        if (message != null) {
            assertEquals(message, e.getStatus().getDescription());
        }
    }
}
