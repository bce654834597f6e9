package io.flotilla.kv.service.node;

import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.mvcc.StatusCode;

/**
 * The errors a member reports about itself rather than about the store — no leader, a leadership change, a timeout,
 * an overload, a shutdown — with the gRPC status code and the exact message etcd sends (etcd clients decide whether to
 * retry by them, and some match the text). The API layer turns them into gRPC statuses; below it nothing knows gRPC.
 */
public enum NodeError {
    /** No leader is known, so nothing can be committed or confirmed. */
    NO_LEADER(StatusCode.UNAVAILABLE, "etcdserver: no leader"),
    /** Leadership moved while the request was under way; it had no effect. */
    LEADER_CHANGED(StatusCode.UNAVAILABLE, "etcdserver: leader changed"),
    /** A request that only the leader may serve reached another member. */
    NOT_LEADER(StatusCode.FAILED_PRECONDITION, "etcdserver: not leader"),
    /** The request did not finish in time; a write may still take effect. */
    TIMEOUT(StatusCode.UNAVAILABLE, "etcdserver: request timed out"),
    /** The leader could not be reached, or stopped answering, while it had the request; a write may still apply. */
    CONNECTION_LOST(StatusCode.UNAVAILABLE, "etcdserver: request timed out, possibly due to connection lost"),
    /** The member is shutting down. */
    STOPPED(StatusCode.UNAVAILABLE, "etcdserver: server stopped"),
    /** The member's request queue is full; nothing happened. */
    TOO_MANY_REQUESTS(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: too many requests"),
    /** MoveLeader named a member that is not a voter of the cluster. */
    BAD_LEADER_TRANSFEREE(StatusCode.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
    /** MoveLeader's target did not take over in time (etcd sends it with code Unknown: it has no gRPC mapping). */
    LEADER_TRANSFER_TIMEOUT(StatusCode.UNKNOWN, "etcdserver: request timed out, leader transfer took too long");

    private final StatusCode code;
    private final String message;

    NodeError(StatusCode code, String message) {
        this.code = code;
        this.message = message;
    }

    /** {@return the gRPC status code} */
    public StatusCode code() {
        return code;
    }

    /** {@return the message, exactly as etcd words it} */
    public String message() {
        return message;
    }

    /** {@return an exception carrying this error} */
    public KvException exception() {
        return new KvException(code, message);
    }
}
