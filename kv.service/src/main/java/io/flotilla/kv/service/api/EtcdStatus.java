package io.flotilla.kv.service.api;

import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.node.Failures;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Turns every failure into the gRPC status an etcd server would send, with etcd's exact wording: etcd clients decide
 * whether to retry, and some match the text, so both code and message matter. The errors themselves are decided
 * below the API ({@link io.flotilla.kv.service.mvcc.KvError}, {@link io.flotilla.kv.service.node.NodeError},
 * {@link Failures}); this is the one place they become gRPC statuses.
 */
final class EtcdStatus {

    private EtcdStatus() {
    }

    /**
     * Returns the status for any failure of a request: etcd's errors with their code and message, statuses that
     * already carry one unchanged, anything else (a bug) INTERNAL.
     *
     * @param failure what went wrong, possibly wrapped by a future
     * @return the exception to hand to gRPC
     */
    static StatusRuntimeException toException(Throwable failure) {
        Throwable t = Failures.toEtcdError(failure);
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof KvException k) {
            return Status.fromCodeValue(k.code().value()).withDescription(k.getMessage()).asRuntimeException();
        }
        return Status.INTERNAL.withDescription("flotilla: " + t).withCause(t).asRuntimeException();
    }
}
