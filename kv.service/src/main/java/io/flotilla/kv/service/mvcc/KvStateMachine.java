package io.flotilla.kv.service.mvcc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.Failure;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.command.StoreStats;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The replicated state of the KV service: a {@link KvStore} driven by the Raft engine. Log entries hold encoded
 * {@link Command}s; each apply returns an encoded {@link CommandResult}. A refused request is a result too (a
 * {@link Failure} with etcd's status code and message), never an exception, so every member records the same outcome.
 *
 * <p>The engine calls all methods from its apply thread. {@link #revision()} may be read from any thread.
 */
public final class KvStateMachine implements StateMachine {

    private final KvStore kv = new KvStore();
    private volatile long revision = kv.mvcc().revision();

    /** Creates an empty state machine (revision 1). */
    public KvStateMachine() {
    }

    /** Returns the store revision after the last applied command; safe from any thread. */
    public long revision() {
        return revision;
    }

    @Override
    public byte[] apply(LogEntry entry) {
        CommandResult result;
        try {
            result = execute(Command.parseFrom(entry.payload()));
        } catch (InvalidProtocolBufferException e) {
            result = failure(StatusCode.INTERNAL, "malformed command at log index " + entry.index());
        }
        revision = kv.mvcc().revision();
        return result.toByteArray();
    }

    private CommandResult execute(Command command) {
        try {
            return switch (command.getRequestCase()) {
                case PUT -> CommandResult.newBuilder().setPut(kv.put(command.getPut())).build();
                case DELETE_RANGE -> CommandResult.newBuilder()
                        .setDeleteRange(kv.deleteRange(command.getDeleteRange())).build();
                case TXN -> CommandResult.newBuilder().setTxn(kv.txn(command.getTxn())).build();
                case COMPACTION -> CommandResult.newBuilder().setCompaction(kv.compact(command.getCompaction())).build();
                case APPEND -> CommandResult.newBuilder().setAppend(kv.append(command.getAppend())).build();
                default -> failure(StatusCode.INTERNAL, "empty command");
            };
        } catch (KvException e) {
            return failure(e.code(), e.getMessage());
        }
    }

    @Override
    public byte[] query(byte[] query) {
        QueryResult result;
        try {
            Query q = Query.parseFrom(query);
            result = switch (q.getRequestCase()) {
                case RANGE -> QueryResult.newBuilder().setRange(kv.range(q.getRange())).build();
                case TXN -> readOnlyTxn(q);
                case STATS -> QueryResult.newBuilder().setStats(StoreStats.newBuilder()
                        .setRevision(kv.mvcc().revision())
                        .setCompactRevision(kv.mvcc().compactRevision())
                        .setSizeBytes(kv.mvcc().sizeBytes())).build();
                default -> QueryResult.newBuilder().setFailure(Failure.newBuilder()
                        .setCode(StatusCode.INTERNAL.value()).setMessage("empty query")).build();
            };
        } catch (InvalidProtocolBufferException e) {
            result = QueryResult.newBuilder().setFailure(Failure.newBuilder()
                    .setCode(StatusCode.INTERNAL.value()).setMessage("malformed query")).build();
        } catch (KvException e) {
            result = QueryResult.newBuilder().setFailure(Failure.newBuilder()
                    .setCode(e.code().value()).setMessage(e.getMessage())).build();
        }
        return result.toByteArray();
    }

    private QueryResult readOnlyTxn(Query q) {
        if (!KvStore.isReadOnly(q.getTxn())) {
            // Writes must go through the log; a query that writes would make members diverge.
            return QueryResult.newBuilder().setFailure(Failure.newBuilder().setCode(StatusCode.INTERNAL.value())
                    .setMessage("a transaction that writes cannot be served as a query")).build();
        }
        return QueryResult.newBuilder().setTxn(kv.txn(q.getTxn())).build();
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        SnapshotCodec.write(kv.mvcc(), out);
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        SnapshotCodec.restore(kv.mvcc(), in);
        revision = kv.mvcc().revision();
    }

    private static CommandResult failure(StatusCode code, String message) {
        return CommandResult.newBuilder()
                .setFailure(Failure.newBuilder().setCode(code.value()).setMessage(message)).build();
    }
}
