package io.flotilla.kv.service.mvcc;

/** The fixed limits of the etcd API that this store enforces. */
public final class RequestLimits {

    /** Most compares, or operations in one branch, of a transaction (etcd's default {@code --max-txn-ops}). */
    public static final int MAX_TXN_OPS = 128;

    /** Default largest encoded write request, 1.5 MiB (etcd's default {@code --max-request-bytes}). */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 3 * 512 * 1024;

    private RequestLimits() {
    }
}
