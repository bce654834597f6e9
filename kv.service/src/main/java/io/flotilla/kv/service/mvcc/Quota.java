package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;

/**
 * What a write costs against the backend quota, as etcd counts it (server/etcdserver/quota.go): a put costs its key
 * and value plus 256 bytes of overhead; a transaction the larger of its two branches (the puts of a branch, nested
 * transactions included, added up); anything that does not put costs nothing and is never refused for space.
 */
public final class Quota {

    /** etcd's {@code kvOverhead}: what a stored key costs beyond its key and value bytes. */
    public static final int KV_OVERHEAD = 256;

    private Quota() {
    }

    /**
     * The cost of a put.
     *
     * @param r the put
     * @return bytes
     */
    public static long cost(PutRequest r) {
        return KV_OVERHEAD + (long) r.getKey().size() + r.getValue().size();
    }

    /**
     * The cost of an append (Flotilla's extension): counted as a put of the appended bytes.
     *
     * @param r the append
     * @return bytes
     */
    public static long cost(AppendRequest r) {
        return KV_OVERHEAD + (long) r.getKey().size() + r.getValue().size();
    }

    /**
     * The cost of a transaction: the larger of its success and failure branches.
     *
     * @param r the transaction
     * @return bytes; 0 if it holds no put
     */
    public static long cost(TxnRequest r) {
        long success = 0;
        for (RequestOp op : r.getSuccessList()) {
            success += cost(op);
        }
        long failure = 0;
        for (RequestOp op : r.getFailureList()) {
            failure += cost(op);
        }
        return Math.max(success, failure);
    }

    private static long cost(RequestOp op) {
        if (op.hasRequestPut()) {
            return cost(op.getRequestPut());
        }
        if (op.hasRequestTxn()) {
            return cost(op.getRequestTxn());
        }
        return 0;
    }
}
