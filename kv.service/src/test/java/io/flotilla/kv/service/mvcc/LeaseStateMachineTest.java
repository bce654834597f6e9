package io.flotilla.kv.service.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpoint;
import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpointRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.raft.api.LogEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases as replicated state: what every member applies, keeps on disk and ships in snapshots. */
class LeaseStateMachineTest {

    @TempDir
    Path directory;

    private long index;

    private CommandResult apply(KvStateMachine sm, Command c) throws Exception {
        CommandResult r = CommandResult.parseFrom(sm.apply(LogEntry.command(++index, 1, c.toByteArray())));
        sm.batchApplied();
        return r;
    }

    private static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    private static Command grant(long id, long ttl) {
        return Command.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl)).build();
    }

    private static Command revoke(long id) {
        return Command.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)).build();
    }

    private static Command put(String key, long lease) {
        return Command.newBuilder().setPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs("v")).setLease(lease))
                .build();
    }

    private static List<String> keys(KvStateMachine sm, long lease) {
        try (MvccView view = sm.store().openView()) {
            return sm.leases().keys(view, lease).stream().map(ByteString::toStringUtf8).toList();
        }
    }

    @Test
    void grantAttachRevokeWithEtcdsErrors() throws Exception {
        KvStateMachine sm = TestStores.stateMachine();
        long before = sm.revision();
        CommandResult granted = apply(sm, grant(7, 30));
        assertEquals(7, granted.getLeaseGrant().getID());
        assertEquals(30, granted.getLeaseGrant().getTTL());
        assertEquals(before, sm.revision(), "a grant changes no revision");
        assertEquals(KvError.LEASE_EXISTS.message(), apply(sm, grant(7, 5)).getFailure().getMessage());
        assertEquals(KvError.LEASE_NOT_FOUND.message(), apply(sm, put("k", 8)).getFailure().getMessage());
        // A transaction's put names an unknown lease: refused before anything changes.
        Command txn = Command.newBuilder().setTxn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(bs("t")).setLease(9)))).build();
        assertEquals(KvError.LEASE_NOT_FOUND.message(), apply(sm, txn).getFailure().getMessage());

        apply(sm, put("a", 7));
        apply(sm, put("b", 7));
        apply(sm, put("c", 7));
        apply(sm, put("c", 0)); // put again without the lease: detached
        apply(sm, Command.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs("b"))).build());
        assertEquals(List.of("a"), keys(sm, 7));

        List<StoreChange> changes = new ArrayList<>();
        sm.store().listen(new ChangeListener() {
            @Override
            public void written(List<StoreChange> written, long revision) {
                changes.addAll(written);
            }

            @Override
            public void replaced(long revision) {
            }
        });
        long revisionBefore = sm.revision();
        CommandResult revoked = apply(sm, revoke(7));
        assertEquals(revisionBefore + 1, revoked.getLeaseRevoke().getHeader().getRevision());
        assertEquals(1, changes.size());
        assertTrue(changes.get(0).deleted(), "the revoke deleted the key: watchers see it");
        assertEquals("a", changes.get(0).key().toStringUtf8());
        assertFalse(sm.leases().exists(7));
        assertEquals(List.of(), keys(sm, 7));
        assertEquals(KvError.LEASE_NOT_FOUND.message(), apply(sm, revoke(7)).getFailure().getMessage());
        long emptyRevoke = sm.revision();
        apply(sm, grant(8, 10));
        apply(sm, revoke(8));
        assertEquals(emptyRevoke, sm.revision(), "revoking a lease without keys changes no revision");
    }

    @Test
    void leasesAndAttachmentsSurviveARestartAndTravelInSnapshots() throws Exception {
        KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", directory.resolve("a")));
        apply(sm, grant(1, 60));
        apply(sm, grant(2, 90));
        apply(sm, put("x", 1));
        apply(sm, put("y", 2));
        apply(sm, Command.newBuilder().setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder().addCheckpoints(
                LeaseCheckpoint.newBuilder().setID(2).setRemainingTTL(42))).build());
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        sm.writeSnapshot(snapshot);
        sm.close();

        KvStateMachine reopened = new KvStateMachine(TestStores.open("rocksdb", directory.resolve("a")));
        assertEquals(new LeaseStore.Lease(2, 90, 42), reopened.leases().get(2));
        assertEquals(List.of("x"), keys(reopened, 1));
        reopened.close();

        KvStateMachine other = TestStores.stateMachine();
        apply(other, grant(3, 10));
        other.restoreSnapshot(new ByteArrayInputStream(snapshot.toByteArray()));
        assertNull(other.leases().get(3), "the snapshot replaces the leases");
        assertEquals(new LeaseStore.Lease(1, 60, 0), other.leases().get(1));
        assertEquals(List.of("y"), keys(other, 2));
        apply(other, revoke(2));
        assertEquals(0, other.store().range(KeyRange.of(bs("y"), ByteString.EMPTY), other.revision()).size());
    }
}
