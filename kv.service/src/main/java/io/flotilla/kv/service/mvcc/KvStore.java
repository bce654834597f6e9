package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.CompactionResponse;
import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutResponse;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.internal.proto.etcd.ResponseOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.etcd.TxnResponse;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendResponse;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The etcd v3 KV operations — Range, Put, DeleteRange, Txn, Compact — plus Flotilla's Append, over an
 * {@link MvccStore}. Every method is deterministic; failures are {@link KvException}s, thrown before anything is
 * changed. Response headers carry the revision only; the server fills in cluster, member and term.
 *
 * <p>Not thread-safe: one thread (the Raft apply thread) drives it. The read-only operations over an
 * {@link MvccView} ({@link #range(MvccView, RangeRequest)}, {@link #readOnlyTxn(MvccView, TxnRequest)}) touch
 * nothing of it and run on any thread.
 */
public final class KvStore {

    private final MvccStore store;
    private final java.util.function.LongPredicate leaseExists;

    /**
     * Serves requests over an existing store without leases: a put naming a lease is refused as etcd refuses an
     * unknown one.
     *
     * @param store the store
     */
    public KvStore(MvccStore store) {
        this(store, id -> false);
    }

    /**
     * Serves requests over an existing store whose leases are known.
     *
     * @param store       the store
     * @param leaseExists tells whether a lease exists (a put may attach a key only to an existing lease)
     */
    public KvStore(MvccStore store, java.util.function.LongPredicate leaseExists) {
        this.store = store;
        this.leaseExists = leaseExists;
    }

    /** Returns the multi-version store underneath. */
    public MvccStore mvcc() {
        return store;
    }

    /**
     * Reads a range.
     *
     * @param r the request
     * @return the response
     * @throws KvException for an invalid request or an unreadable revision
     */
    public RangeResponse range(RangeRequest r) {
        RequestValidator.checkRange(r);
        return RangeReader.range(store, r, store.revision(), store.compactRevision());
    }

    /**
     * Reads a range from a view, on any thread.
     *
     * @param view the view
     * @param r    the request
     * @return the response, its header at the view's revision
     * @throws KvException for an invalid request or a revision the view cannot read
     */
    public static RangeResponse range(MvccView view, RangeRequest r) {
        RequestValidator.checkRange(r);
        return RangeReader.range(view, r, view.revision(), view.compactRevision());
    }

    /**
     * Runs a transaction that only reads ({@link #isReadOnly(TxnRequest)}) against a view, on any thread: the same
     * answer {@link #txn(TxnRequest)} would give at the view's revision, without a write batch.
     *
     * @param view the view
     * @param r    the request, read-only
     * @return the response, its header at the view's revision
     * @throws KvException for an invalid request, or a read at a revision the view cannot read
     * @throws IllegalArgumentException if the transaction writes
     */
    public static TxnResponse readOnlyTxn(MvccView view, TxnRequest r) {
        if (!isReadOnly(r)) {
            throw new IllegalArgumentException("a transaction that writes cannot be served from a view");
        }
        RequestValidator.checkTxn(r);
        Deque<Boolean> path = new ArrayDeque<>();
        choosePath(view, view.revision(), r, path);
        checkChosenReads(view, r, new ArrayDeque<>(path));
        return readTxn(view, r, path).setHeader(header(view.revision())).build();
    }

    private static void checkChosenReads(MvccView view, TxnRequest r, Deque<Boolean> path) {
        for (RequestOp op : path.removeFirst() ? r.getSuccessList() : r.getFailureList()) {
            if (op.hasRequestRange()) {
                view.readableRevision(op.getRequestRange().getRevision());
            } else if (op.hasRequestTxn()) {
                checkChosenReads(view, op.getRequestTxn(), path);
            }
        }
    }

    private static TxnResponse.Builder readTxn(MvccView view, TxnRequest r, Deque<Boolean> path) {
        boolean succeeded = path.removeFirst();
        TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            if (op.hasRequestRange()) {
                response.addResponses(ResponseOp.newBuilder().setResponseRange(RangeReader.range(
                        view, op.getRequestRange(), view.revision(), view.compactRevision())));
            } else if (op.hasRequestTxn()) {
                response.addResponses(ResponseOp.newBuilder().setResponseTxn(
                        readTxn(view, op.getRequestTxn(), path).setHeader(header(view.revision()))));
            } else {
                throw new IllegalStateException("validated read-only transaction holds an empty operation");
            }
        }
        return response;
    }

    /**
     * Writes a key.
     *
     * @param r the request
     * @return the response
     * @throws KvException for an invalid request, a lease, or {@code ignore_*} on a missing key
     */
    public PutResponse put(PutRequest r) {
        RequestValidator.checkPut(r);
        checkPutTarget(r);
        MvccStore.WriteBatch batch = store.beginWrite();
        PutResponse response = put(batch, r);
        batch.end();
        return response;
    }

    /**
     * Deletes a range.
     *
     * @param r the request
     * @return the response
     * @throws KvException for an invalid request
     */
    public DeleteRangeResponse deleteRange(DeleteRangeRequest r) {
        RequestValidator.checkDelete(r);
        MvccStore.WriteBatch batch = store.beginWrite();
        DeleteRangeResponse response = deleteRange(batch, r);
        batch.end();
        return response;
    }

    /**
     * Appends to a key's value in one step.
     *
     * @param r the request
     * @return the response, with the key's new record
     * @throws KvException for an invalid request
     */
    public AppendResponse append(AppendRequest r) {
        RequestValidator.checkAppend(r);
        MvccStore.WriteBatch batch = store.beginWrite();
        KeyValue current = batch.get(r.getKey());
        ByteString value = current == null ? r.getValue() : current.getValue().concat(r.getValue());
        KeyValue written = batch.put(r.getKey(), value, 0);
        long revision = batch.end();
        return AppendResponse.newBuilder().setHeader(header(revision)).setKv(written).build();
    }

    /**
     * Discards history before a revision.
     *
     * @param r the request
     * @return the response, at the current revision
     * @throws KvException for a revision already compacted or not yet reached
     */
    public CompactionResponse compact(CompactionRequest r) {
        store.compact(r.getRevision());
        return CompactionResponse.newBuilder().setHeader(header(store.revision())).build();
    }

    /**
     * Runs a transaction: the compares of every transaction on the chosen path (nested ones included) are evaluated
     * against the state before it starts, then the chosen operations run in order, seeing each other's writes; all
     * writes share one new revision.
     *
     * @param r the request
     * @return the response
     * @throws KvException for an invalid request, or an operation that cannot run (nothing is changed then)
     */
    public TxnResponse txn(TxnRequest r) {
        RequestValidator.checkTxn(r);
        Deque<Boolean> path = new ArrayDeque<>();
        choosePath(store, store.revision(), r, path);
        checkChosenOps(r, new ArrayDeque<>(path));
        MvccStore.WriteBatch batch = store.beginWrite();
        TxnResponse.Builder response = runTxn(batch, r, path);
        long revision = batch.end();
        return response.setHeader(header(revision)).build();
    }

    /**
     * Tells whether a transaction only reads, in every branch; such a transaction need not be replicated.
     *
     * @param r the request
     * @return true if it holds no put and no delete
     */
    public static boolean isReadOnly(TxnRequest r) {
        return isReadOnly(r.getSuccessList()) && isReadOnly(r.getFailureList());
    }

    private static boolean isReadOnly(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            if (op.hasRequestPut() || op.hasRequestDeleteRange()
                    || (op.hasRequestTxn() && !isReadOnly(op.getRequestTxn()))) {
                return false;
            }
        }
        return true;
    }

    /** Evaluates the compares of every transaction on the chosen path against one state, before anything runs. */
    private static void choosePath(RangeSource source, long revision, TxnRequest r, Deque<Boolean> path) {
        boolean succeeded = true;
        for (Compare c : r.getCompareList()) {
            List<KeyValue> kvs = source.scan(KeyRange.of(c.getKey(), c.getRangeEnd()), revision, Integer.MAX_VALUE)
                    .kvs();
            if (!Comparisons.holds(c, kvs)) {
                succeeded = false;
                break;
            }
        }
        path.addLast(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            if (op.hasRequestTxn()) {
                choosePath(source, revision, op.getRequestTxn(), path);
            }
        }
    }

    /** Checks, before anything changes, what only the store can tell: leases, missing keys, revisions of reads. */
    private void checkChosenOps(TxnRequest r, Deque<Boolean> path) {
        for (RequestOp op : path.removeFirst() ? r.getSuccessList() : r.getFailureList()) {
            switch (op.getRequestCase()) {
                case REQUEST_PUT -> checkPutTarget(op.getRequestPut());
                case REQUEST_RANGE -> store.readableRevision(op.getRequestRange().getRevision(), store.revision());
                case REQUEST_TXN -> checkChosenOps(op.getRequestTxn(), path);
                default -> { }
            }
        }
    }

    private TxnResponse.Builder runTxn(MvccStore.WriteBatch batch, TxnRequest r, Deque<Boolean> path) {
        boolean succeeded = path.removeFirst();
        TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            response.addResponses(switch (op.getRequestCase()) {
                case REQUEST_RANGE -> ResponseOp.newBuilder().setResponseRange(
                        RangeReader.range(batch, op.getRequestRange(), batch.readRevision(), store.compactRevision()));
                case REQUEST_PUT -> ResponseOp.newBuilder().setResponsePut(put(batch, op.getRequestPut()));
                case REQUEST_DELETE_RANGE -> ResponseOp.newBuilder().setResponseDeleteRange(
                        deleteRange(batch, op.getRequestDeleteRange()));
                case REQUEST_TXN -> {
                    TxnResponse.Builder nested = runTxn(batch, op.getRequestTxn(), path);
                    yield ResponseOp.newBuilder().setResponseTxn(
                            nested.setHeader(header(batch.readRevision())));
                }
                default -> throw new IllegalStateException("validated transaction holds an empty operation");
            });
        }
        return response;
    }

    private void checkPutTarget(PutRequest r) {
        if (r.getLease() != 0 && !leaseExists.test(r.getLease())) {
            throw KvError.LEASE_NOT_FOUND.exception();
        }
        if ((r.getIgnoreValue() || r.getIgnoreLease())
                && store.range(KeyRange.of(r.getKey(), ByteString.EMPTY), store.revision()).isEmpty()) {
            throw KvError.KEY_NOT_FOUND.exception();
        }
    }

    private static PutResponse put(MvccStore.WriteBatch batch, PutRequest r) {
        // The previous record, value included, only when the request needs it: a plain put reads no value at all.
        KeyValue previous = r.getPrevKv() || r.getIgnoreValue() ? batch.get(r.getKey()) : null;
        ByteString value = r.getIgnoreValue() ? previous.getValue() : r.getValue();
        long lease = r.getIgnoreLease() ? batch.indexEntry(r.getKey()).lease() : r.getLease();
        batch.put(r.getKey(), value, lease);
        PutResponse.Builder response = PutResponse.newBuilder().setHeader(header(batch.writeRevision()));
        if (r.getPrevKv() && previous != null) {
            response.setPrevKv(previous);
        }
        return response.build();
    }

    private static DeleteRangeResponse deleteRange(MvccStore.WriteBatch batch, DeleteRangeRequest r) {
        List<KeyValue> deleted = batch.deleteRange(KeyRange.of(r.getKey(), r.getRangeEnd()));
        DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder()
                .setHeader(header(batch.readRevision()))
                .setDeleted(deleted.size());
        if (r.getPrevKv()) {
            response.addAllPrevKvs(deleted);
        }
        return response.build();
    }

    private static ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setRevision(revision).build();
    }
}
