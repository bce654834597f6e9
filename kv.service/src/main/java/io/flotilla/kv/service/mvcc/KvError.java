package io.flotilla.kv.service.mvcc;

/**
 * The errors the store reports to clients, with the gRPC status code and the exact message etcd sends: clients such as
 * etcdctl and jetcd recognise some errors by their text, so the text is part of the API.
 */
public enum KvError {
    /** A request without a key. */
    EMPTY_KEY(StatusCode.INVALID_ARGUMENT, "etcdserver: key is not provided"),
    /** A put with {@code ignore_value} or {@code ignore_lease} on a key that does not exist. */
    KEY_NOT_FOUND(StatusCode.INVALID_ARGUMENT, "etcdserver: key not found"),
    /** A put with {@code ignore_value} that also carries a value. */
    VALUE_PROVIDED(StatusCode.INVALID_ARGUMENT, "etcdserver: value is provided"),
    /** A put with {@code ignore_lease} that also names a lease. */
    LEASE_PROVIDED(StatusCode.INVALID_ARGUMENT, "etcdserver: lease is provided"),
    /** A transaction with more than {@link RequestLimits#MAX_TXN_OPS} compares or operations in one list. */
    TOO_MANY_OPS(StatusCode.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
    /** A transaction that would change one key twice. */
    DUPLICATE_KEY(StatusCode.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
    /** A range with a sort order or target this server does not know. */
    INVALID_SORT_OPTION(StatusCode.INVALID_ARGUMENT, "etcdserver: invalid sort option"),
    /** A request whose encoded size exceeds the server's limit. */
    REQUEST_TOO_LARGE(StatusCode.INVALID_ARGUMENT, "etcdserver: request is too large"),
    /** A read or compaction at a revision that compaction has already discarded. */
    COMPACTED(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
    /** A read or compaction at a revision the store has not reached. */
    FUTURE_REVISION(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
    /** A request naming a lease: this server grants none, so every lease is unknown. */
    LEASE_NOT_FOUND(StatusCode.NOT_FOUND, "etcdserver: requested lease not found"),
    /** A grant of a lease ID in use (etcd's {@code ErrGRPCLeaseExist}). */
    LEASE_EXISTS(StatusCode.FAILED_PRECONDITION, "etcdserver: lease already exists"),
    /** A grant above etcd's {@code MaxLeaseTTL}, 9,000,000,000 s (etcd's {@code ErrGRPCLeaseTTLTooLarge}). */
    LEASE_TTL_TOO_LARGE(StatusCode.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
    /**
     * A write that would grow the store while a NOSPACE alarm is active, or that would take the backend past its
     * quota (etcd's {@code ErrGRPCNoSpace}).
     */
    NO_SPACE(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
    /** A write while a CORRUPT alarm is active (etcd's {@code ErrGRPCCorrupt}). */
    CORRUPT(StatusCode.DATA_LOSS, "etcdserver: corrupt cluster");

    private final StatusCode code;
    private final String message;

    KvError(StatusCode code, String message) {
        this.code = code;
        this.message = message;
    }

    /** Returns the gRPC status code. */
    public StatusCode code() {
        return code;
    }

    /** Returns the message, exactly as etcd words it. */
    public String message() {
        return message;
    }

    /** Returns an exception carrying this error, for code that reports it by throwing. */
    public KvException exception() {
        return new KvException(code, message);
    }
}
