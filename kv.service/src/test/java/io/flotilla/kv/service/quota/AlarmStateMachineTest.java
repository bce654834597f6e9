package io.flotilla.kv.service.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.etcd.AlarmMember;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest.AlarmAction;
import io.flotilla.kv.service.internal.proto.etcd.AlarmType;
import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.HashKVRequest;
import io.flotilla.kv.service.internal.proto.etcd.HashKVResponse;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.kv.service.mvcc.Alarms;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.service.mvcc.KvStateMachine;
import io.flotilla.kv.service.mvcc.MvccStore;
import io.flotilla.kv.service.mvcc.Quota;
import io.flotilla.kv.service.mvcc.StatusCode;
import io.flotilla.raft.api.LogEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alarms as replicated state (etcd's alarm store and alarm appliers): NOSPACE refuses what grows the store and lets
 * deletes, compactions and reads through; CORRUPT refuses every write; alarms are written with the applied index,
 * survive restarts and travel in snapshots; a full disk is reported while applying waits for it.
 */
class AlarmStateMachineTest {

    private static final long MEMBER_A = 0x7c52960b278ae6fcL;
    private static final long MEMBER_B = 0xf7c3c10200d6c8a4L; // above Long.MAX_VALUE as an unsigned id

    @TempDir
    Path dir;

    private long index;

    private static KvStateMachine memory() {
        return new KvStateMachine(new MvccStore(memoryBackend()));
    }

    private static Backend memoryBackend() {
        return Backends.provider("memory").open(new BackendContext(Path.of("target", "unused"), MvccStore.tables(),
                Map.of()));
    }

    /** Applies a command as a batch of its own, as the engine does (queries see what batchApplied wrote). */
    private CommandResult apply(KvStateMachine sm, Command command) throws InvalidProtocolBufferException {
        CommandResult result = CommandResult.parseFrom(sm.apply(LogEntry.command(++index, 1, command.toByteArray())));
        sm.batchApplied();
        return result;
    }

    private static QueryResult query(KvStateMachine sm, Query query) throws InvalidProtocolBufferException {
        return QueryResult.parseFrom(sm.query(query.toByteArray()));
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static PutRequest putRequest(String key, String value) {
        return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build();
    }

    private static Command put(String key, String value) {
        return Command.newBuilder().setPut(putRequest(key, value)).build();
    }

    private static Command alarm(AlarmAction action, long member, AlarmType type) {
        return Command.newBuilder().setAlarm(AlarmRequest.newBuilder().setAction(action).setMemberID(member)
                .setAlarm(type)).build();
    }

    private static Command txn(List<RequestOp> success, List<RequestOp> failure) {
        return Command.newBuilder().setTxn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("a")).setTarget(Compare.CompareTarget.VERSION)
                        .setResult(Compare.CompareResult.GREATER).setVersion(0))
                .addAllSuccess(success).addAllFailure(failure)).build();
    }

    private static RequestOp putOp(String key, String value) {
        return RequestOp.newBuilder().setRequestPut(putRequest(key, value)).build();
    }

    private static RequestOp deleteOp(String key) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs(key))).build();
    }

    private static RequestOp rangeOp(String key) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs(key))).build();
    }

    private static void assertRefused(KvError error, CommandResult result) {
        assertTrue(result.hasFailure(), "refused: " + result);
        assertEquals(error.message(), result.getFailure().getMessage());
        assertEquals(error.code().value(), result.getFailure().getCode());
    }

    private static List<AlarmMember> listAlarms(KvStateMachine sm, AlarmType type)
            throws InvalidProtocolBufferException {
        return query(sm, Query.newBuilder().setAlarms(AlarmRequest.newBuilder().setAction(AlarmAction.GET)
                .setAlarm(type)).build()).getAlarms().getAlarmsList();
    }

    @Test
    void noSpaceRefusesWhatGrowsTheStoreAndLetsTheRestThrough() throws Exception {
        KvStateMachine sm = memory();
        apply(sm, put("a", "1"));
        apply(sm, put("b", "2"));
        apply(sm, alarm(AlarmAction.ACTIVATE, MEMBER_B, AlarmType.NOSPACE));
        assertTrue(sm.alarmActive(AlarmType.NOSPACE));
        long revision = sm.revision();

        assertRefused(KvError.NO_SPACE, apply(sm, put("c", "3")));
        assertEquals(StatusCode.RESOURCE_EXHAUSTED.value(), 8);
        assertRefused(KvError.NO_SPACE, apply(sm, Command.newBuilder().setAppend(AppendRequest.newBuilder()
                .setKey(bs("a")).setValue(bs("+"))).build()));
        // A transaction is refused if either branch puts, however deep; its compare does not matter.
        assertRefused(KvError.NO_SPACE, apply(sm, txn(List.of(putOp("c", "3")), List.of())));
        assertRefused(KvError.NO_SPACE, apply(sm, txn(List.of(rangeOp("a")), List.of(putOp("c", "3")))));
        RequestOp nested = RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
                .addSuccess(putOp("n", "1"))).build();
        assertRefused(KvError.NO_SPACE, apply(sm, txn(List.of(nested), List.of())));
        assertEquals(revision, sm.revision(), "nothing refused changed the store");

        // Reads, deletes, transactions that only delete or read, and compactions go on.
        assertEquals(1, query(sm, Query.newBuilder().setRange(RangeRequest.newBuilder().setKey(bs("a"))).build())
                .getRange().getCount());
        assertEquals(1, apply(sm, Command.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder()
                .setKey(bs("b"))).build()).getDeleteRange().getDeleted());
        CommandResult deleteTxn = apply(sm, txn(List.of(deleteOp("a"), rangeOp("a")), List.of(rangeOp("x"))));
        assertTrue(deleteTxn.getTxn().getSucceeded(), deleteTxn.toString());
        long compactTo = sm.revision();
        assertFalse(apply(sm, Command.newBuilder().setCompaction(CompactionRequest.newBuilder()
                .setRevision(compactTo)).build()).hasFailure());
        assertEquals(compactTo, sm.store().compactRevision());

        // Disarmed: writes are taken again.
        CommandResult disarmed = apply(sm, alarm(AlarmAction.DEACTIVATE, MEMBER_B, AlarmType.NOSPACE));
        assertEquals(List.of(AlarmMember.newBuilder().setMemberID(MEMBER_B).setAlarm(AlarmType.NOSPACE).build()),
                disarmed.getAlarm().getAlarmsList());
        assertFalse(sm.alarmActive(AlarmType.NOSPACE));
        assertEquals(compactTo + 1, apply(sm, put("c", "3")).getPut().getHeader().getRevision());
    }

    @Test
    void activationAndDeactivationAnswerAsEtcd() throws Exception {
        KvStateMachine sm = memory();
        AlarmMember a = AlarmMember.newBuilder().setMemberID(MEMBER_A).setAlarm(AlarmType.NOSPACE).build();
        AlarmMember b = AlarmMember.newBuilder().setMemberID(MEMBER_B).setAlarm(AlarmType.NOSPACE).build();
        AlarmMember corrupt = AlarmMember.newBuilder().setMemberID(MEMBER_A).setAlarm(AlarmType.CORRUPT).build();

        assertEquals(List.of(a), apply(sm, alarm(AlarmAction.ACTIVATE, MEMBER_A, AlarmType.NOSPACE))
                .getAlarm().getAlarmsList());
        assertEquals(List.of(a), apply(sm, alarm(AlarmAction.ACTIVATE, MEMBER_A, AlarmType.NOSPACE))
                .getAlarm().getAlarmsList(), "a repeated activation answers the existing alarm");
        assertEquals(List.of(), apply(sm, alarm(AlarmAction.ACTIVATE, MEMBER_A, AlarmType.NONE))
                .getAlarm().getAlarmsList(), "NONE names no alarm");
        apply(sm, alarm(AlarmAction.ACTIVATE, MEMBER_B, AlarmType.NOSPACE));
        apply(sm, alarm(AlarmAction.ACTIVATE, MEMBER_A, AlarmType.CORRUPT));

        // GET: every alarm for NONE, else those of the type (the member id is not a filter, as in etcd).
        assertEquals(List.of(a, corrupt, b), listAlarms(sm, AlarmType.NONE));
        assertEquals(List.of(a, b), listAlarms(sm, AlarmType.NOSPACE));
        assertEquals(List.of(corrupt), listAlarms(sm, AlarmType.CORRUPT));
        assertEquals(List.of(a, corrupt, b), sm.alarms());

        assertEquals(List.of(), apply(sm, alarm(AlarmAction.DEACTIVATE, 42, AlarmType.NOSPACE))
                .getAlarm().getAlarmsList(), "deactivating an alarm that is not there changes nothing");
        assertEquals(List.of(corrupt), apply(sm, alarm(AlarmAction.DEACTIVATE, MEMBER_A, AlarmType.CORRUPT))
                .getAlarm().getAlarmsList());
        assertEquals(List.of(a, b), sm.alarms());
        assertEquals("memberID:17853325562174949540 alarm:NOSPACE ", Alarms.format(b));
        assertEquals(sm.revision(), apply(sm, alarm(AlarmAction.DEACTIVATE, MEMBER_A, AlarmType.NOSPACE))
                .getAlarm().getHeader().getRevision());
        assertEquals(1, sm.revision(), "alarms do not change the revision");
    }

    @Test
    void corruptRefusesEveryWriteButNotReads() throws Exception {
        KvStateMachine sm = memory();
        apply(sm, put("a", "1"));
        apply(sm, alarm(AlarmAction.ACTIVATE, MEMBER_A, AlarmType.CORRUPT));
        assertRefused(KvError.CORRUPT, apply(sm, put("b", "1")));
        assertEquals(StatusCode.DATA_LOSS.value(), 15);
        assertRefused(KvError.CORRUPT, apply(sm, Command.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder()
                .setKey(bs("a"))).build()));
        assertRefused(KvError.CORRUPT, apply(sm, txn(List.of(deleteOp("a")), List.of())));
        assertRefused(KvError.CORRUPT, apply(sm, Command.newBuilder().setCompaction(CompactionRequest.newBuilder()
                .setRevision(2)).build()));
        assertEquals(1, query(sm, Query.newBuilder().setRange(RangeRequest.newBuilder().setKey(bs("a"))).build())
                .getRange().getCount());
        apply(sm, alarm(AlarmAction.DEACTIVATE, MEMBER_A, AlarmType.CORRUPT));
        assertFalse(apply(sm, put("b", "1")).hasFailure());
    }

    @Test
    void alarmsAreStoredWithTheAppliedIndexAndSurviveARestart() throws Exception {
        Path data = dir.resolve("kv");
        KvStateMachine sm = new KvStateMachine(new MvccStore(Backends.provider("rocksdb").open(
                new BackendContext(data, MvccStore.tables(), Map.of()))));
        apply(sm, put("a", "1"));
        apply(sm, alarm(AlarmAction.ACTIVATE, MEMBER_A, AlarmType.NOSPACE));
        assertEquals(index, sm.lastAppliedIndex());
        sm.close();

        KvStateMachine reopened = new KvStateMachine(new MvccStore(Backends.provider("rocksdb").open(
                new BackendContext(data, MvccStore.tables(), Map.of()))));
        try {
            assertEquals(index, reopened.lastAppliedIndex(), "the alarm's index was written with it");
            assertTrue(reopened.alarmActive(AlarmType.NOSPACE));
            assertRefused(KvError.NO_SPACE, apply(reopened, put("b", "1")));
            apply(reopened, alarm(AlarmAction.DEACTIVATE, MEMBER_A, AlarmType.NOSPACE));
            assertEquals(index, reopened.lastAppliedIndex());
        } finally {
            reopened.close();
        }
    }

    @Test
    void alarmsTravelInSnapshots() throws Exception {
        KvStateMachine leader = memory();
        apply(leader, put("a", "1"));
        apply(leader, alarm(AlarmAction.ACTIVATE, MEMBER_B, AlarmType.NOSPACE));
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        leader.writeSnapshot(snapshot);

        KvStateMachine follower = memory();
        apply(follower, alarm(AlarmAction.ACTIVATE, MEMBER_A, AlarmType.CORRUPT)); // replaced by the snapshot
        follower.restoreSnapshot(new ByteArrayInputStream(snapshot.toByteArray()), index);
        assertEquals(leader.alarms(), follower.alarms());
        assertRefused(KvError.NO_SPACE, apply(follower, put("b", "1")));
        assertFalse(follower.alarmActive(AlarmType.CORRUPT));
    }

    @Test
    void aFullDiskIsReportedWhileApplyingWaitsForIt() throws Exception {
        FaultyBackend backend = new FaultyBackend(memoryBackend());
        KvStateMachine sm = new KvStateMachine(new MvccStore(backend));
        apply(sm, put("a", "1"));
        assertNull(sm.backendFault());
        backend.diskFull(true);
        CompletableFuture<CommandResult> stuck = CompletableFuture.supplyAsync(() -> {
            try {
                CommandResult result = apply(sm, put("b", "2"));
                sm.batchApplied(); // what writes the batch to the backend: it waits until the disk takes it
                return result;
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!sm.backendOutOfSpace() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(sm.backendOutOfSpace());
        assertTrue(sm.backendFault().startsWith("no space left on the backend's disk: "), sm.backendFault());
        Thread.sleep(150);
        assertFalse(stuck.isDone(), "applying waits: skipping the batch would make this member diverge");
        assertTrue(backend.refusedCommits() >= 1);

        backend.diskFull(false);
        assertEquals(3, stuck.get(10, TimeUnit.SECONDS).getPut().getHeader().getRevision());
        assertFalse(sm.backendOutOfSpace());
        assertNull(sm.backendFault());
    }

    @Test
    void hashKvIsTheSameOnMembersThatAppliedTheSameCommands() throws Exception {
        KvStateMachine one = memory();
        KvStateMachine two = memory();
        for (KvStateMachine sm : List.of(one, two)) {
            index = 0;
            for (int i = 0; i < 20; i++) {
                apply(sm, put("k" + (i % 5), "v" + i));
            }
            apply(sm, Command.newBuilder().setCompaction(CompactionRequest.newBuilder().setRevision(10)).build());
        }
        HashKVResponse a = hashKv(one, 0);
        HashKVResponse b = hashKv(two, 0);
        assertEquals(a.getHash(), b.getHash());
        assertEquals(21, a.getHeader().getRevision());
        assertEquals(21, a.getHashRevision());
        assertEquals(10, a.getCompactRevision());
        HashKVResponse at15 = hashKv(one, 15);
        assertEquals(15, at15.getHashRevision());
        assertEquals(21, at15.getHeader().getRevision());
        assertNotEquals(a.getHash(), at15.getHash());
        assertEquals(at15.getHash(), hashKv(two, 15).getHash());

        apply(two, put("k9", "different"));
        assertNotEquals(hashKv(one, 0).getHash(), hashKv(two, 0).getHash());
        assertEquals(at15.getHash(), hashKv(two, 15).getHash(), "the history up to 15 is unchanged");

        QueryResult future = query(one, Query.newBuilder().setHashKv(HashKVRequest.newBuilder().setRevision(99))
                .build());
        assertEquals(KvError.FUTURE_REVISION.message(), future.getFailure().getMessage());
        QueryResult compacted = query(one, Query.newBuilder().setHashKv(HashKVRequest.newBuilder().setRevision(5))
                .build());
        assertEquals(KvError.COMPACTED.message(), compacted.getFailure().getMessage());
    }

    private static HashKVResponse hashKv(KvStateMachine sm, long revision) throws InvalidProtocolBufferException {
        QueryResult r = query(sm, Query.newBuilder().setHashKv(HashKVRequest.newBuilder().setRevision(revision))
                .build());
        assertFalse(r.hasFailure(), r.toString());
        return r.getHashKv();
    }

    @Test
    void costsAreCountedAsEtcdCountsThem() {
        assertEquals(256 + 3 + 5, Quota.cost(putRequest("key", "value")));
        TxnRequest txn = TxnRequest.newBuilder()
                .addSuccess(putOp("a", "12")).addSuccess(putOp("b", "1")).addSuccess(deleteOp("x"))
                .addFailure(putOp("c", "1234567")).build();
        assertEquals(Math.max(259 + 258, 264), Quota.cost(txn));
        assertEquals(0, Quota.cost(TxnRequest.newBuilder().addSuccess(deleteOp("a")).addFailure(rangeOp("b"))
                .build()));
        TxnRequest nested = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(txn)).build();
        assertEquals(Quota.cost(txn), Quota.cost(nested));
    }
}
