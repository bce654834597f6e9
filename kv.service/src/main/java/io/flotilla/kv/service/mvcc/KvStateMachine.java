package io.flotilla.kv.service.mvcc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.Failure;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.command.StoreStats;
import io.flotilla.kv.service.internal.proto.etcd.AlarmMember;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest;
import io.flotilla.kv.service.internal.proto.etcd.AlarmResponse;
import io.flotilla.kv.service.internal.proto.etcd.AlarmType;
import io.flotilla.kv.service.internal.proto.etcd.HashKVRequest;
import io.flotilla.kv.service.internal.proto.etcd.HashKVResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpointResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeResponse;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The replicated state of the KV service: a {@link KvStore} driven by the Raft engine. Log entries hold encoded
 * {@link Command}s; each apply returns an encoded {@link CommandResult}. A refused request is a result too (a
 * {@link Failure} with etcd's status code and message), never an exception, so every member records the same outcome.
 *
 * <p>The state lives in the {@link MvccStore}'s backend, with the index of the last applied entry: a restarted
 * member resumes from it ({@link #lastAppliedIndex()}), snapshots are streamed from a consistent backend view off the
 * apply thread ({@link #openSnapshotView()}).
 *
 * <p><b>Alarms</b> are replicated state too ({@link Alarms}, etcd's alarm store), raised and cleared by
 * {@code Alarm} commands. While a NOSPACE alarm is active on any member, commands that would grow the store — a put,
 * an append, a transaction with a put in either branch — are refused with {@link KvError#NO_SPACE}, while deletes,
 * compactions and reads go on (etcd's capped applier); while a CORRUPT alarm is active, every write is refused with
 * {@link KvError#CORRUPT}.
 *
 * <p>The engine calls the {@link StateMachine} methods from its apply thread, except {@link #query(byte[])}, which
 * its reader threads call ({@link #concurrentQueries()}). {@link #revision()}, {@link #alarms()},
 * {@link #backendFault()}, {@link #defragment()} and {@link #whenCompacted(long)} may be called from any thread.
 */
public final class KvStateMachine implements StateMachine, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(KvStateMachine.class.getName());
    /** Longest wait between two tries of a write the backend refused (a full disk). */
    private static final long MAX_RETRY_MILLIS = 5_000;

    private final MvccStore store;
    private final KvStore kv;
    private final Alarms alarms;
    private final LeaseStore leases;
    private volatile long revision;
    private volatile String backendFault;
    private volatile boolean backendOutOfSpace;
    private volatile boolean closed;

    /**
     * Creates the state machine over a store (empty, or holding the state of earlier runs).
     *
     * @param store the store; closed by {@link #close()}
     */
    public KvStateMachine(MvccStore store) {
        this.store = store;
        this.leases = new LeaseStore(store);
        this.kv = new KvStore(store, leases::exists);
        this.alarms = new Alarms(store);
        this.revision = store.revision();
    }

    /** Returns the store underneath. */
    public MvccStore store() {
        return store;
    }

    /** {@return the replicated leases} */
    public LeaseStore leases() {
        return leases;
    }

    /**
     * Returns why the backend refuses writes (a full disk, an I/O error), or null while it takes them. While it
     * refuses, the apply thread retries the same command, so nothing is skipped and nothing acknowledged is lost.
     *
     * @return the backend's error message, or null
     */
    public String backendFault() {
        return backendFault;
    }

    /** {@return whether the backend refuses writes because its disk is full (see {@link #backendFault()})} */
    public boolean backendOutOfSpace() {
        return backendOutOfSpace;
    }

    /** {@return the active alarms of every member, ordered by member id then type; safe from any thread} */
    public List<AlarmMember> alarms() {
        return alarms.active();
    }

    /**
     * Tells whether an alarm of a type is active on any member; safe from any thread.
     *
     * @param type the alarm type
     * @return true if some member has it
     */
    public boolean alarmActive(AlarmType type) {
        return alarms.isActive(type);
    }

    /**
     * Rewrites the backend's files so that the space of deleted data is given back (etcd's defragmentation); blocks
     * until done, while applying and reads go on. A member-local operation: nothing is replicated.
     *
     * @throws io.flotilla.kv.backend.BackendException if the disk fails
     */
    public void defragment() {
        store.backend().defragment();
    }

    /**
     * Returns a future completed once the history below a compaction revision is physically gone from the backend
     * (what etcd's {@code physical} compaction waits for). It may be asked before this member has applied the
     * compaction.
     *
     * @param compactRevision the compaction revision
     * @return the future; fails if the store is closed (or replaced by a snapshot) first
     */
    public CompletableFuture<Void> whenCompacted(long compactRevision) {
        return store.compactor().whenFinished(compactRevision);
    }

    @Override
    public long lastAppliedIndex() {
        return store.appliedIndex();
    }

    /**
     * Syncs the backend, so the engine may compact its log behind what is applied; -1 over a backend that keeps
     * nothing on disk (memory), which then gets full snapshots as before.
     */
    @Override
    public long persistApplied() {
        if (!store.backend().durable()) {
            return -1;
        }
        batchApplied();
        untilStored(() -> {
            store.backend().sync();
            return null;
        });
        return store.appliedIndex();
    }

    /** Writes the changes of the entries applied since the last batch to the backend, in one atomic batch. */
    @Override
    public void batchApplied() {
        untilStored(() -> {
            store.flush();
            return null;
        });
    }

    @Override
    public void skip(long index) {
        untilStored(() -> {
            store.beginApply(index);
            store.finishApply();
            return null;
        });
    }

    /** Returns the store revision after the last applied command; safe from any thread. */
    public long revision() {
        return revision;
    }

    @Override
    public byte[] apply(LogEntry entry) {
        Command command;
        try {
            command = Command.parseFrom(entry.payload());
        } catch (InvalidProtocolBufferException e) {
            command = null;
        }
        Command parsed = command;
        CommandResult result = untilStored(() -> {
            store.beginApply(entry.index());
            CommandResult r = parsed == null
                    ? failure(StatusCode.INTERNAL, "malformed command at log index " + entry.index())
                    : execute(parsed);
            store.finishApply();
            return r;
        });
        revision = store.revision();
        return result.toByteArray();
    }

    /**
     * Runs a step that writes to the backend until the backend takes it. A command's changes reach the backend in one
     * batch at its end, and nothing in memory changes before that batch is in, so running it again is the same
     * step. Every other member applies the command: moving on without it would make this one diverge, so it waits
     * (etcd stops the member instead).
     */
    private <T> T untilStored(java.util.function.Supplier<T> step) {
        long wait = 100;
        while (true) {
            try {
                T result = step.get();
                if (backendFault != null) {
                    LOG.log(System.Logger.Level.WARNING, "the backend takes writes again");
                    backendFault = null;
                    backendOutOfSpace = false;
                }
                return result;
            } catch (io.flotilla.kv.backend.BackendException e) {
                if (closed) {
                    throw new IllegalStateException("the KV state machine is closed", e);
                }
                backendFault = (e.isNoSpace() ? "no space left on the backend's disk: " : "backend failure: ")
                        + e.getMessage();
                backendOutOfSpace = e.isNoSpace();
                LOG.log(System.Logger.Level.ERROR, backendFault + "; applying waits and retries in " + wait + " ms");
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the backend refuses writes", e);
                }
                wait = Math.min(MAX_RETRY_MILLIS, wait * 2);
            }
        }
    }

    private CommandResult execute(Command command) {
        try {
            checkAlarms(command);
            return switch (command.getRequestCase()) {
                case PUT -> CommandResult.newBuilder().setPut(kv.put(command.getPut())).build();
                case DELETE_RANGE -> CommandResult.newBuilder()
                        .setDeleteRange(kv.deleteRange(command.getDeleteRange())).build();
                case TXN -> CommandResult.newBuilder().setTxn(kv.txn(command.getTxn())).build();
                case COMPACTION -> CommandResult.newBuilder().setCompaction(kv.compact(command.getCompaction())).build();
                case APPEND -> CommandResult.newBuilder().setAppend(kv.append(command.getAppend())).build();
                case ALARM -> CommandResult.newBuilder().setAlarm(alarm(command.getAlarm())).build();
                case LEASE_GRANT -> {
                    LeaseStore.Lease l = leases.grant(command.getLeaseGrant().getID(), command.getLeaseGrant().getTTL());
                    yield CommandResult.newBuilder().setLeaseGrant(LeaseGrantResponse.newBuilder()
                            .setHeader(ResponseHeader.newBuilder().setRevision(store.revision()))
                            .setID(l.id()).setTTL(l.ttl())).build();
                }
                case LEASE_REVOKE -> {
                    long rev = leases.revoke(command.getLeaseRevoke().getID());
                    yield CommandResult.newBuilder().setLeaseRevoke(LeaseRevokeResponse.newBuilder()
                            .setHeader(ResponseHeader.newBuilder().setRevision(rev))).build();
                }
                case LEASE_CHECKPOINT -> {
                    leases.checkpoint(command.getLeaseCheckpoint().getCheckpointsList());
                    yield CommandResult.newBuilder().setLeaseCheckpoint(LeaseCheckpointResponse.newBuilder()
                            .setHeader(ResponseHeader.newBuilder().setRevision(store.revision()))).build();
                }
                default -> failure(StatusCode.INTERNAL, "empty command");
            };
        } catch (KvException e) {
            return failure(e.code(), e.getMessage());
        }
    }

    /**
     * Refuses, before anything changes, the commands the active alarms forbid, as etcd's alarm appliers do: under
     * CORRUPT every write; under NOSPACE what can grow the store (a put, an append, a transaction that puts).
     */
    private void checkAlarms(Command command) {
        switch (command.getRequestCase()) {
            case PUT, APPEND, TXN, DELETE_RANGE, COMPACTION, LEASE_GRANT, LEASE_REVOKE, LEASE_CHECKPOINT -> {
                if (alarms.isActive(AlarmType.CORRUPT)) {
                    throw KvError.CORRUPT.exception();
                }
            }
            default -> {
                return;
            }
        }
        boolean grows = switch (command.getRequestCase()) {
            case PUT, APPEND, LEASE_GRANT -> true; // etcd's capped applier refuses LeaseGrant too
            case TXN -> Quota.cost(command.getTxn()) > 0;
            default -> false;
        };
        if (grows && alarms.isActive(AlarmType.NOSPACE)) {
            throw KvError.NO_SPACE.exception();
        }
    }

    private AlarmResponse alarm(AlarmRequest r) {
        List<AlarmMember> before = alarms.active();
        AlarmResponse response = alarms.apply(r);
        if (!response.getAlarmsList().isEmpty() && !before.equals(alarms.active())) {
            AlarmMember m = response.getAlarms(0);
            boolean activate = r.getAction() == AlarmRequest.AlarmAction.ACTIVATE;
            LOG.log(System.Logger.Level.WARNING, (activate ? "alarm raised: " : "alarm disarmed: ") + m.getAlarm()
                    + " of member " + Long.toHexString(m.getMemberID()) + " (active alarms: "
                    + alarms.active().stream().map(Alarms::format).map(String::strip).toList() + ")");
        }
        return response.toBuilder().setHeader(ResponseHeader.newBuilder().setRevision(store.revision())).build();
    }

    /**
     * Runs queries on the engine's reader threads ({@link #query(byte[])} reads a backend view, never the apply
     * thread's unwritten group), so reads neither wait behind applying nor hold it up.
     */
    @Override
    public boolean concurrentQueries() {
        return true;
    }

    /**
     * Answers a read from a consistent view of the backend, which holds everything applied up to the last
     * {@link #batchApplied()}; safe on any thread, concurrently with applying (the engine keeps it apart from
     * {@link #restoreSnapshot} and {@link #close()}).
     */
    @Override
    public byte[] query(byte[] query) {
        QueryResult result;
        try {
            Query q = Query.parseFrom(query);
            result = switch (q.getRequestCase()) {
                case RANGE -> {
                    // A view per read: one backend snapshot and one read of the revision. Sharing one view among the
                    // reads between two writes gained nothing measurable (README, "Reads off the apply thread").
                    try (MvccView view = store.openView()) {
                        yield QueryResult.newBuilder().setRange(KvStore.range(view, q.getRange())).build();
                    }
                }
                case TXN -> readOnlyTxn(q);
                case ALARMS -> QueryResult.newBuilder().setAlarms(AlarmResponse.newBuilder()
                        .setHeader(ResponseHeader.newBuilder().setRevision(revision))
                        .addAllAlarms(alarms.get(q.getAlarms().getAlarm()))).build();
                case HASH_KV -> QueryResult.newBuilder().setHashKv(hashKv(q.getHashKv())).build();
                case STATS -> stats();
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

    private QueryResult stats() {
        try (MvccView view = store.openView()) {
            return QueryResult.newBuilder().setStats(StoreStats.newBuilder()
                    .setRevision(view.revision())
                    .setCompactRevision(view.compactRevision())
                    .setSizeBytes(store.sizeBytes())
                    .setSizeInUseBytes(store.sizeInUseBytes())).build();
        }
    }

    /** etcd's HashKV: the hash of the history reachable up to a revision, with the compaction revision. */
    private HashKVResponse hashKv(HashKVRequest r) {
        try (MvccView view = store.openView()) {
            long hash = view.hash(r.getRevision());
            return HashKVResponse.newBuilder()
                    .setHeader(ResponseHeader.newBuilder().setRevision(view.revision()))
                    .setHash((int) hash)
                    .setCompactRevision(view.heldCompactRevision())
                    .setHashRevision(r.getRevision() <= 0 ? view.revision() : r.getRevision())
                    .build();
        }
    }

    private QueryResult readOnlyTxn(Query q) {
        if (!KvStore.isReadOnly(q.getTxn())) {
            // Writes must go through the log; a query that writes would make members diverge.
            return QueryResult.newBuilder().setFailure(Failure.newBuilder().setCode(StatusCode.INTERNAL.value())
                    .setMessage("a transaction that writes cannot be served as a query")).build();
        }
        try (MvccView view = store.openView()) {
            return QueryResult.newBuilder().setTxn(KvStore.readOnlyTxn(view, q.getTxn())).build();
        }
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        try (SnapshotView view = openSnapshotView()) {
            view.writeTo(out);
        }
    }

    @Override
    public SnapshotView openSnapshotView() {
        batchApplied(); // the view must hold every applied change
        return openBackupView();
    }

    /**
     * Opens a view for a backup, from any thread: the store as of its last committed batch of applied entries (each
     * batch is written with its applied index in one atomic commit, so any view is a state the member was in). Unlike
     * {@link #openSnapshotView()} it does not flush what the apply thread is batching, which only that thread may do.
     *
     * @return the view; close it
     */
    public SnapshotView openBackupView() {
        io.flotilla.kv.backend.BackendView view = store.openBackendView();
        return new SnapshotView() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                SnapshotCodec.write(store.backend(), view, out);
            }

            @Override
            public void close() {
                view.close();
            }
        };
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        restoreSnapshot(in, 0);
    }

    @Override
    public void restoreSnapshot(InputStream in, long lastIncludedIndex) throws IOException {
        SnapshotCodec.restore(store, in, lastIncludedIndex);
        alarms.reload();
        leases.reload();
        revision = store.revision();
    }

    /** Stops the background compaction and closes the backend. */
    @Override
    public void close() {
        closed = true;
        store.close();
    }

    private static CommandResult failure(StatusCode code, String message) {
        return CommandResult.newBuilder()
                .setFailure(Failure.newBuilder().setCode(code.value()).setMessage(message)).build();
    }
}
