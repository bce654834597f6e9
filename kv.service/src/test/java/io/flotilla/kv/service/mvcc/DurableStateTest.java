package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.backend.WriteBatch;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state machine on a durable backend: what a restarted member finds (its data and the index of the last entry
 * it holds), snapshots taken from a view while applying goes on, and a restore interrupted by a crash.
 */
class DurableStateTest {

    @TempDir
    Path dir;

    @Test
    void aRestartedMemberFindsItsDataAndTheIndexOfTheLastEntryItHolds() throws Exception {
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", dir))) {
            assertEquals(0, sm.lastAppliedIndex(), "an empty store holds no entry");
            for (int i = 1; i <= 50; i++) {
                sm.apply(LogEntry.command(i, 1, Command.newBuilder().setPut(put("k" + i % 7, "v" + i)).build()
                        .toByteArray()));
            }
            sm.skip(51); // a new leader's no-op: nothing to store but its index
        }
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", dir))) {
            assertEquals(51, sm.lastAppliedIndex());
            assertEquals(51, sm.revision(), "50 puts after revision 1");
            assertEquals("v49", value(sm, "k0"));
            assertEquals("v50", value(sm, "k1"));
        }
    }

    @Test
    void overADurableBackendTheStateMachineIsItsOwnSnapshotOverMemoryItIsNot() throws Exception {
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", dir.resolve("rocks")))) {
            for (int i = 1; i <= 5; i++) {
                sm.apply(LogEntry.command(i, 1, Command.newBuilder().setPut(put("k" + i, "v")).build().toByteArray()));
            }
            sm.skip(6);
            // The engine compacts its log behind this index: it must be the one the synced backend holds.
            assertEquals(6, sm.persistApplied());
        }
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("memory", dir.resolve("memory")))) {
            sm.skip(1);
            assertEquals(-1, sm.persistApplied(), "a heap backend is lost with the process: full snapshots stay");
        }
    }

    @Test
    void aRefusedCommandStillRecordsItsIndex() throws Exception {
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", dir))) {
            sm.apply(LogEntry.command(1, 1, Command.newBuilder().setCompaction(
                    io.flotilla.kv.service.internal.proto.etcd.CompactionRequest.newBuilder().setRevision(99))
                    .build().toByteArray()));
            assertEquals(1, sm.lastAppliedIndex());
        }
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", dir))) {
            assertEquals(1, sm.lastAppliedIndex(), "replaying it would give the same refusal; it is not replayed");
        }
    }

    @Test
    void aSnapshotViewHoldsTheStateOfItsMomentWhileApplyingGoesOn() throws IOException {
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", dir.resolve("a")));
             KvStateMachine other = new KvStateMachine(TestStores.open("rocksdb", dir.resolve("b")))) {
            sm.apply(LogEntry.command(1, 1, Command.newBuilder().setPut(put("x", "before")).build().toByteArray()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (StateMachine.SnapshotView view = sm.openSnapshotView()) {
                sm.apply(LogEntry.command(2, 1, Command.newBuilder().setPut(put("x", "after")).build()
                        .toByteArray()));
                sm.batchApplied(); // as the engine does after each batch: queries see only what was written
                view.writeTo(out);
            }
            other.restoreSnapshot(new ByteArrayInputStream(out.toByteArray()), 1);
            assertEquals("before", value(other, "x"));
            assertEquals(2, other.revision());
            assertEquals(1, other.lastAppliedIndex());
            assertEquals("after", value(sm, "x"));
        }
    }

    @Test
    void aRestoreInterruptedByACrashLeavesNoIndexSoTheEngineRestoresAgain() throws Exception {
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", dir))) {
            sm.apply(LogEntry.command(7, 1, Command.newBuilder().setPut(put("x", "1")).build().toByteArray()));
            // What a restore writes first, durably; a crash before its last batch leaves it behind.
            var backend = sm.store().backend();
            try (WriteBatch batch = backend.batch()) {
                batch.put(backend.table(MvccLayout.META), MvccLayout.RESTORING, new byte[] {1});
                batch.commit(true);
            }
        }
        try (KvStateMachine sm = new KvStateMachine(TestStores.open("rocksdb", dir))) {
            assertEquals(0, sm.lastAppliedIndex());
        }
    }

    private static String value(KvStateMachine sm, String key) throws IOException {
        QueryResult r = QueryResult.parseFrom(sm.query(Query.newBuilder().setRange(get(key)).build().toByteArray()));
        return str(r.getRange().getKvs(0).getValue());
    }
}
