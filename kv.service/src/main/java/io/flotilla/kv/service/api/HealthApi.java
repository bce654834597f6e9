package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.health.HealthCheckRequest;
import io.flotilla.kv.service.internal.proto.health.HealthCheckResponse;
import io.flotilla.kv.service.internal.proto.health.HealthCheckResponse.ServingStatus;
import io.flotilla.kv.service.internal.proto.health.HealthGrpc;
import io.flotilla.kv.service.ops.MemberHealth;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The standard gRPC health service ({@code grpc.health.v1.Health}), for load balancers, Kubernetes probes and
 * {@code grpc_health_probe}: the service {@code ""} (the server as a whole, the only one etcd registers) is SERVING
 * while the member knows a leader and no member has an alarm, NOT_SERVING otherwise. Any other service name is
 * unknown: Check answers NOT_FOUND, Watch SERVICE_UNKNOWN, as the protocol says.
 *
 * <p>Watch sends the status at once and then each change, checked every {@link #WATCH_CHECK_MILLIS} ms by one
 * timer for all watchers; at most {@link #MAX_WATCHERS} watch at a time (more are refused with RESOURCE_EXHAUSTED),
 * and a watcher whose client does not read is skipped rather than buffered.
 */
public final class HealthApi extends HealthGrpc.HealthImplBase implements AutoCloseable {

    /** How often watched status is checked for a change. */
    static final long WATCH_CHECK_MILLIS = 500;
    /** Most Watch calls open at once. */
    static final int MAX_WATCHERS = 10_000;

    private final MemberHealth health;
    private final Map<ServerCallStreamObserver<HealthCheckResponse>, ServingStatus> watchers =
            new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flotilla-health-watch");
        t.setDaemon(true);
        return t;
    });

    /**
     * Creates the service.
     *
     * @param health decides the status
     */
    public HealthApi(MemberHealth health) {
        this.health = health;
        timer.scheduleWithFixedDelay(this::checkWatchers, WATCH_CHECK_MILLIS, WATCH_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> observer) {
        if (!request.getService().isEmpty()) {
            observer.onError(Status.NOT_FOUND.withDescription("unknown service " + request.getService())
                    .asRuntimeException());
            return;
        }
        observer.onNext(HealthCheckResponse.newBuilder().setStatus(status()).build());
        observer.onCompleted();
    }

    @Override
    public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> observer) {
        ServerCallStreamObserver<HealthCheckResponse> call = (ServerCallStreamObserver<HealthCheckResponse>) observer;
        if (!request.getService().isEmpty()) {
            call.onNext(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVICE_UNKNOWN).build());
            return; // the protocol keeps the call open: the service may be registered later
        }
        if (watchers.size() >= MAX_WATCHERS) {
            call.onError(Status.RESOURCE_EXHAUSTED.withDescription("too many health watchers").asRuntimeException());
            return;
        }
        ServingStatus now = status();
        call.setOnCancelHandler(() -> watchers.remove(call));
        synchronized (call) {
            watchers.put(call, now);
            call.onNext(HealthCheckResponse.newBuilder().setStatus(now).build());
        }
    }

    private ServingStatus status() {
        return health.serving() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    }

    private void checkWatchers() {
        if (watchers.isEmpty()) {
            return;
        }
        ServingStatus now = status();
        watchers.forEach((call, sent) -> {
            if (sent == now || !call.isReady()) {
                return; // unchanged, or a client that does not read: it gets the status once it reads again
            }
            synchronized (call) {
                if (call.isCancelled()) {
                    watchers.remove(call);
                    return;
                }
                watchers.put(call, now);
                call.onNext(HealthCheckResponse.newBuilder().setStatus(now).build());
            }
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        watchers.keySet().forEach(call -> {
            synchronized (call) {
                try {
                    call.onCompleted();
                } catch (RuntimeException e) {
                    // the call is gone already
                }
            }
        });
        watchers.clear();
    }
}
