package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.bs;
import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.op;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.rangeBuilder;
import static io.flotilla.kv.service.mvcc.Requests.versionIs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.command.StoreStatsRequest;
import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.Compare.CompareResult;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest.SortOrder;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest.SortTarget;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.raft.api.LogEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The state machine: results in the log, determinism, and snapshots that restore exactly. */
class StateMachineTest {

    private long index;

    @Test
    void resultsAndRefusalsAreEncodedResults() throws InvalidProtocolBufferException {
        KvStateMachine sm = TestStores.stateMachine();
        CommandResult ok = apply(sm, Command.newBuilder().setPut(put("a", "1")).build());
        assertEquals(2, ok.getPut().getHeader().getRevision());
        CommandResult refused = apply(sm, Command.newBuilder().setCompaction(
                CompactionRequest.newBuilder().setRevision(9)).build());
        assertEquals(KvError.FUTURE_REVISION.message(), refused.getFailure().getMessage());
        assertEquals(StatusCode.OUT_OF_RANGE.value(), refused.getFailure().getCode());
        assertEquals(2, sm.revision());
    }

    @Test
    void aMalformedEntryIsARefusalNotACrash() throws InvalidProtocolBufferException {
        KvStateMachine sm = TestStores.stateMachine();
        byte[] result = sm.apply(LogEntry.command(1, 1, new byte[] {(byte) 0xff, 1, 2}));
        assertEquals(StatusCode.INTERNAL.value(), CommandResult.parseFrom(result).getFailure().getCode());
    }

    @Test
    void aQueryCannotWrite() throws InvalidProtocolBufferException {
        KvStateMachine sm = TestStores.stateMachine();
        Query writing = Query.newBuilder().setTxn(TxnRequest.newBuilder().addSuccess(op(put("a", "1")))).build();
        QueryResult result = QueryResult.parseFrom(sm.query(writing.toByteArray()));
        assertTrue(result.hasFailure());
        assertEquals(1, sm.revision());
    }

    @Test
    void twoMembersApplyingTheSameLogAgreeByteForByte() {
        List<Command> log = randomLog(new SplittableRandom(42), 400);
        KvStateMachine a = TestStores.stateMachine();
        KvStateMachine b = TestStores.stateMachine();
        for (Command c : log) {
            index++;
            byte[] ra = a.apply(LogEntry.command(index, 1, c.toByteArray()));
            byte[] rb = b.apply(LogEntry.command(index, 1, c.toByteArray()));
            assertArrayEquals(ra, rb);
        }
        a.batchApplied();
        b.batchApplied();
        assertEquals(answers(a), answers(b));
    }

    @Test
    void aRestoredSnapshotAnswersExactlyLikeTheOriginal() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        KvStateMachine original = TestStores.stateMachine();
        for (Command c : randomLog(random, 300)) {
            apply(original, c);
        }
        apply(original, Command.newBuilder().setCompaction(CompactionRequest.newBuilder()
                .setRevision(original.revision() / 2)).build());
        for (Command c : randomLog(random, 100)) {
            apply(original, c);
        }

        // Let the background compaction finish, so that both stores hold the same records.
        original.store().compactor().whenFinished(original.store().compactRevision()).join();

        KvStateMachine restored = TestStores.stateMachine();
        long appliedByOriginal = original.lastAppliedIndex();
        apply(restored, Command.newBuilder().setPut(put("stale", "replaced by the restore")).build());
        restored.restoreSnapshot(new ByteArrayInputStream(snapshot(original)), appliedByOriginal);
        assertEquals(appliedByOriginal, restored.lastAppliedIndex(), "the restore records the snapshot's index");

        assertEquals(original.revision(), restored.revision());
        assertEquals(answers(original), answers(restored));
        assertArrayEquals(snapshot(original), snapshot(restored), "a restored store snapshots identically");
        for (Command c : randomLog(random, 50)) {
            assertEquals(apply(original, c), apply(restored, c), "and keeps behaving identically");
        }
    }

    @Test
    void aSnapshotOfAnotherFormatIsRefused() {
        KvStateMachine sm = TestStores.stateMachine();
        assertThrows(IOException.class, () -> sm.restoreSnapshot(new ByteArrayInputStream(new byte[0])));
        byte[] wrongFormat = java.nio.ByteBuffer.allocate(4).putInt(99).array();
        IOException e = assertThrows(IOException.class,
                () -> sm.restoreSnapshot(new ByteArrayInputStream(wrongFormat), 5));
        assertTrue(e.getMessage().contains("format 99"), e.getMessage());
        assertEquals(0, sm.lastAppliedIndex(), "a failed restore leaves no applied index behind (restore again)");
    }

    /** A battery of reads over every readable revision, with every option, plus the store's statistics. */
    private static List<String> answers(KvStateMachine sm) {
        List<String> out = new ArrayList<>();
        QueryResult stats = query(sm, Query.newBuilder().setStats(StoreStatsRequest.getDefaultInstance()).build());
        // Sizes are the backend's bytes on disk, which depend on its history of writes: only the revisions count.
        out.add(stats.getStats().getRevision() + "/" + stats.getStats().getCompactRevision());
        long current = stats.getStats().getRevision();
        for (long rev = Math.max(0, stats.getStats().getCompactRevision() - 1); rev <= current + 1; rev++) {
            for (RangeRequest r : List.of(
                    rangeBuilder("\0", "\0").setRevision(rev).build(),
                    rangeBuilder("k1", "k3").setRevision(rev).setLimit(3).build(),
                    rangeBuilder("k", "l").setRevision(rev).setSortTarget(SortTarget.VERSION)
                            .setSortOrder(SortOrder.DESCEND).build(),
                    rangeBuilder("k2", "").setRevision(rev).build(),
                    rangeBuilder("\0", "\0").setRevision(rev).setCountOnly(true).build(),
                    rangeBuilder("\0", "\0").setRevision(rev).setKeysOnly(true).setMinModRevision(rev / 2)
                            .build())) {
                out.add(query(sm, Query.newBuilder().setRange(r).build()).toString());
            }
        }
        return out;
    }

    private static QueryResult query(KvStateMachine sm, Query q) {
        try {
            return QueryResult.parseFrom(sm.query(q.toByteArray()));
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    /** Applies a command as a batch of its own, as the engine does (queries see what batchApplied wrote). */
    private CommandResult apply(KvStateMachine sm, Command c) {
        try {
            CommandResult result = CommandResult.parseFrom(sm.apply(LogEntry.command(++index, 1, c.toByteArray())));
            sm.batchApplied();
            return result;
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] snapshot(KvStateMachine sm) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sm.writeSnapshot(out);
        return out.toByteArray();
    }

    /** Puts, deletes, appends and transactions over a few keys, so keys are re-created and histories grow. */
    private static List<Command> randomLog(SplittableRandom random, int length) {
        List<Command> log = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            String key = "k" + random.nextInt(6);
            String value = "v" + random.nextInt(1000);
            log.add(switch (random.nextInt(5)) {
                case 0, 1 -> Command.newBuilder().setPut(put(key, value)).build();
                case 2 -> Command.newBuilder().setDeleteRange(random.nextBoolean() ? delete(key)
                        : delete(key, "k" + (random.nextInt(6) + 1))).build();
                case 3 -> Command.newBuilder().setAppend(AppendRequest.newBuilder().setKey(bs(key))
                        .setValue(bs(value))).build();
                default -> Command.newBuilder().setTxn(TxnRequest.newBuilder()
                        .addCompare(versionIs(key, CompareResult.GREATER, random.nextInt(3)))
                        .addSuccess(op(put(key, value)))
                        .addFailure(op(delete("k" + random.nextInt(6))))
                        .addFailure(op(rangeBuilder(key, "").build()))).build();
            });
        }
        return log;
    }
}
