package io.flotilla.kv.service.node;

import io.flotilla.kv.service.internal.proto.command.Failure;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.raft.api.NodeClosedException;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.OverloadedException;
import io.flotilla.raft.api.RaftTimeoutException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns every failure into the gRPC status an etcd server would send, with etcd's exact wording: etcd clients decide
 * whether to retry, and some match the text, so both code and message matter.
 */
public final class EtcdStatus {

    /** No leader is known, so nothing can be committed or confirmed. */
    public static final Status NO_LEADER = Status.UNAVAILABLE.withDescription("etcdserver: no leader");
    /** Leadership moved while the request was under way; it had no effect. */
    public static final Status LEADER_CHANGED = Status.UNAVAILABLE.withDescription("etcdserver: leader changed");
    /** A request that only the leader may serve reached another member. */
    public static final Status NOT_LEADER = Status.FAILED_PRECONDITION.withDescription("etcdserver: not leader");
    /** The request did not finish in time; a write may still take effect. */
    public static final Status TIMEOUT = Status.UNAVAILABLE.withDescription("etcdserver: request timed out");
    /** The leader could not be reached, or stopped answering, while it had the request; a write may still apply. */
    public static final Status CONNECTION_LOST = Status.UNAVAILABLE
            .withDescription("etcdserver: request timed out, possibly due to connection lost");
    /** The member is shutting down. */
    public static final Status STOPPED = Status.UNAVAILABLE.withDescription("etcdserver: server stopped");
    /** The member's request queue is full; nothing happened. */
    public static final Status TOO_MANY_REQUESTS = Status.RESOURCE_EXHAUSTED
            .withDescription("etcdserver: too many requests");

    private static final String ETCD_PREFIX = "etcdserver: ";

    private EtcdStatus() {
    }

    /**
     * Returns the status for a store error.
     *
     * @param error the error
     * @return the status
     */
    public static Status of(KvError error) {
        return Status.fromCodeValue(error.code().value()).withDescription(error.message());
    }

    /**
     * Returns the status for a failure the state machine recorded.
     *
     * @param failure the failure
     * @return the status
     */
    public static Status of(Failure failure) {
        return Status.fromCodeValue(failure.getCode()).withDescription(failure.getMessage());
    }

    /**
     * Returns the status for any failure of a request: store and engine errors get etcd's, statuses that already
     * carry an etcd message pass unchanged, anything else (a bug) is INTERNAL.
     *
     * @param failure what went wrong, possibly wrapped by a future
     * @return the exception to hand to gRPC
     */
    public static StatusRuntimeException toException(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof KvException k) {
            return Status.fromCodeValue(k.code().value()).withDescription(k.getMessage()).asRuntimeException();
        }
        if (t instanceof NotLeaderException) {
            return LEADER_CHANGED.asRuntimeException();
        }
        if (t instanceof RaftTimeoutException) {
            return TIMEOUT.asRuntimeException();
        }
        if (t instanceof OverloadedException) {
            return TOO_MANY_REQUESTS.asRuntimeException();
        }
        if (t instanceof NodeClosedException || t instanceof CancellationException) {
            return STOPPED.asRuntimeException();
        }
        return Status.INTERNAL.withDescription("flotilla: " + t).withCause(t).asRuntimeException();
    }

    /**
     * Returns what a client should see when a request handed to the leader failed. An etcd error from the leader is
     * passed on, except that "not leader" (leadership moved, nothing happened) becomes the retryable
     * {@link #LEADER_CHANGED}; a transport failure becomes a timeout, since a write may have been applied.
     *
     * @param failure the failure of the forwarded call
     * @return the status for the client
     */
    public static StatusRuntimeException forwardingFailure(Throwable failure) {
        Throwable t = unwrap(failure);
        if (!(t instanceof StatusRuntimeException s)) {
            return toException(t);
        }
        String description = s.getStatus().getDescription();
        if (NOT_LEADER.getDescription().equals(description)) {
            return LEADER_CHANGED.asRuntimeException();
        }
        if (description != null && description.startsWith(ETCD_PREFIX)) {
            return s;
        }
        if (s.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return TIMEOUT.asRuntimeException();
        }
        return CONNECTION_LOST.asRuntimeException();
    }

    /** Returns the cause behind the wrappers futures add ({@link CompletionException}, {@link ExecutionException}). */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
