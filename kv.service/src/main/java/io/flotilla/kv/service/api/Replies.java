package io.flotilla.kv.service.api;

import io.flotilla.kv.service.mvcc.KvException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/** Completes unary gRPC calls from futures, with every failure turned into etcd's status. */
final class Replies {

    private Replies() {
    }

    /**
     * Starts a request and answers the call when it completes. The request is started inside a try, so a request
     * refused before it starts (say, an invalid key) is answered with its error rather than thrown at gRPC.
     *
     * @param request  starts the work
     * @param response turns its result into the response
     * @param observer the call
     * @param <T>      the result type
     * @param <R>      the response type
     */
    static <T, R> void reply(Supplier<CompletableFuture<T>> request, Function<T, R> response,
                             StreamObserver<R> observer) {
        CompletableFuture<T> future;
        try {
            future = request.get();
        } catch (KvException | io.grpc.StatusRuntimeException e) {
            observer.onError(EtcdStatus.toException(e));
            return;
        }
        // Answered on the thread that completes the future (the engine's apply thread for a write, a reader thread
        // for a read, or a network thread for a forwarded request), not handed to another pool: building and queueing a response takes microseconds and
        // never blocks (gRPC writes asynchronously), while each hand-off between threads costs a wake-up. Profiles
        // of a 3-member cluster on 2 cores showed such wake-ups, not our code, dominating the CPU (README).
        future.whenComplete((result, failure) -> {
            if (failure != null) {
                observer.onError(EtcdStatus.toException(failure));
                return;
            }
            R value;
            try {
                value = response.apply(result);
            } catch (RuntimeException e) {
                observer.onError(EtcdStatus.toException(e));
                return;
            }
            observer.onNext(value);
            observer.onCompleted();
        });
    }
}
