package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd makes on a request before it touches the store, in etcd's order so that a request with several
 * problems gets the same error: missing keys, option conflicts, transaction size and keys written twice. They depend
 * on the request only, so the API layer can refuse a bad request before it costs a log entry, and the state machine
 * repeats them (deterministically) for requests that reach it by other paths.
 */
public final class RequestValidator {

    private RequestValidator() {
    }

    /**
     * Checks a range request.
     *
     * @param r the request
     * @throws KvException if it is invalid
     */
    public static void checkRange(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw KvError.EMPTY_KEY.exception();
        }
        if (r.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
                || r.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
            throw KvError.INVALID_SORT_OPTION.exception();
        }
    }

    /**
     * Checks a put request.
     *
     * @param r the request
     * @throws KvException if it is invalid
     */
    public static void checkPut(PutRequest r) {
        if (r.getKey().isEmpty()) {
            throw KvError.EMPTY_KEY.exception();
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw KvError.VALUE_PROVIDED.exception();
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw KvError.LEASE_PROVIDED.exception();
        }
    }

    /**
     * Checks a delete request.
     *
     * @param r the request
     * @throws KvException if it is invalid
     */
    public static void checkDelete(DeleteRangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw KvError.EMPTY_KEY.exception();
        }
    }

    /**
     * Checks an append request.
     *
     * @param r the request
     * @throws KvException if it is invalid
     */
    public static void checkAppend(AppendRequest r) {
        if (r.getKey().isEmpty()) {
            throw KvError.EMPTY_KEY.exception();
        }
    }

    /**
     * Checks a transaction: its size, every nested request, and that no key is written twice in one branch.
     *
     * @param r the request
     * @throws KvException if it is invalid
     */
    public static void checkTxn(TxnRequest r) {
        checkTxnShape(r, RequestLimits.MAX_TXN_OPS);
        checkWrittenOnce(r.getSuccessList());
        checkWrittenOnce(r.getFailureList());
    }

    /** etcd counts the longest of the three lists against the limit, and nested lists against what is left of it. */
    private static void checkTxnShape(TxnRequest r, int maxOps) {
        int ops = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (ops > maxOps) {
            throw KvError.TOO_MANY_OPS.exception();
        }
        for (Compare c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw KvError.EMPTY_KEY.exception();
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            checkOp(op, maxOps - ops);
        }
        for (RequestOp op : r.getFailureList()) {
            checkOp(op, maxOps - ops);
        }
    }

    private static void checkOp(RequestOp op, int maxOps) {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> checkRange(op.getRequestRange());
            case REQUEST_PUT -> checkPut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
            case REQUEST_TXN -> checkTxnShape(op.getRequestTxn(), maxOps);
            default -> throw KvError.KEY_NOT_FOUND.exception(); // an empty operation, as etcd answers it
        }
    }

    /** The keys put and ranges deleted by one list of operations, nested transactions included. */
    private record Writes(Set<ByteString> puts, List<KeyRange> deletes) {

        boolean deletes(ByteString key) {
            for (KeyRange range : deletes) {
                if (range.contains(key)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Fails if one list of operations puts a key twice or puts a key it also deletes (deleting overlapping ranges is
     * allowed). The two branches of a nested transaction exclude each other, so a key may appear in both.
     */
    private static Writes checkWrittenOnce(List<RequestOp> ops) {
        Writes writes = new Writes(new HashSet<>(), new ArrayList<>());
        for (RequestOp op : ops) {
            if (op.hasRequestDeleteRange()) {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                writes.deletes().add(KeyRange.of(d.getKey(), d.getRangeEnd()));
            }
        }
        for (RequestOp op : ops) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            Writes then = checkWrittenOnce(op.getRequestTxn().getSuccessList());
            Writes otherwise = checkWrittenOnce(op.getRequestTxn().getFailureList());
            for (ByteString key : then.puts()) {
                addPut(writes, key);
            }
            for (ByteString key : otherwise.puts()) {
                if (!then.puts().contains(key)) {
                    addPut(writes, key);
                } else if (writes.deletes(key)) {
                    throw KvError.DUPLICATE_KEY.exception();
                }
            }
            writes.deletes().addAll(then.deletes());
            writes.deletes().addAll(otherwise.deletes());
        }
        for (RequestOp op : ops) {
            if (op.hasRequestPut()) {
                addPut(writes, op.getRequestPut().getKey());
            }
        }
        return writes;
    }

    private static void addPut(Writes writes, ByteString key) {
        if (!writes.puts().add(key) || writes.deletes(key)) {
            throw KvError.DUPLICATE_KEY.exception();
        }
    }
}
