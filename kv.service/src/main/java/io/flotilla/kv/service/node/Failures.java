package io.flotilla.kv.service.node;

import io.flotilla.kv.service.internal.proto.command.Failure;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.mvcc.StatusCode;
import io.flotilla.raft.api.NodeClosedException;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.OverloadedException;
import io.flotilla.raft.api.RaftTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns the engine's failures into etcd's errors ({@link KvException}s carrying etcd's code and message), so that
 * everything a member's futures fail with is either such an error or a bug; the API layer maps the errors to gRPC
 * statuses one to one.
 */
public final class Failures {

    private Failures() {
    }

    /**
     * Returns etcd's error for a failure: store errors as they are, engine errors as etcd words them (a leadership
     * change, a timeout, an overload, a shutdown). Anything else is a bug and is returned unwrapped.
     *
     * @param failure what went wrong, possibly wrapped by a future
     * @return the error, or the unwrapped failure
     */
    public static Throwable toEtcdError(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof KvException) {
            return t;
        }
        if (t instanceof NotLeaderException) {
            return NodeError.LEADER_CHANGED.exception();
        }
        if (t instanceof RaftTimeoutException) {
            return NodeError.TIMEOUT.exception();
        }
        if (t instanceof OverloadedException) {
            return NodeError.TOO_MANY_REQUESTS.exception();
        }
        if (t instanceof NodeClosedException || t instanceof CancellationException) {
            return NodeError.STOPPED.exception();
        }
        return t;
    }

    /**
     * {@link #toEtcdError(Throwable)} as an unchecked exception, to throw from a future's continuation.
     *
     * @param failure what went wrong
     * @return the exception to throw
     */
    static RuntimeException rethrowable(Throwable failure) {
        Throwable t = toEtcdError(failure);
        return t instanceof RuntimeException r ? r : new CompletionException(t);
    }

    /**
     * Returns the message a client would see for a failure, for logs.
     *
     * @param failure what went wrong
     * @return etcd's message, or the failure's description
     */
    static String describe(Throwable failure) {
        Throwable t = toEtcdError(failure);
        return t instanceof KvException k ? k.getMessage() : "flotilla: " + t;
    }

    /**
     * Returns the error a state machine recorded as a command's or query's result.
     *
     * @param failure the recorded failure
     * @return the error
     */
    static KvException of(Failure failure) {
        StatusCode code = StatusCode.of(failure.getCode());
        return new KvException(code, failure.getMessage());
    }

    /**
     * Returns the cause behind the wrappers futures add ({@link CompletionException}, {@link ExecutionException}).
     *
     * @param t the failure
     * @return the cause
     */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
