package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.LeaseGrpc;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeRequest;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A lease kept alive in the background while a lock or a leadership is held (etcd's {@code concurrency.Session}):
 * renewed every third of its TTL; if renewals fail, the holder learns it from {@link #holdUntilInterrupted()}
 * returning, because the lease (and with it the lock) may be gone.
 */
final class Session implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flotilla-session");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch lost = new CountDownLatch(1);
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Endpoints endpoints;
    private final long lease;

    private Session(Endpoints endpoints, long lease) {
        this.endpoints = endpoints;
        this.lease = lease;
    }

    /**
     * Keeps a lease alive until {@link #close()}, which revokes it. On SIGINT or SIGTERM the JVM waits (up to 5 s) for
     * the holder to finish and close the session, so what it holds is released at once rather than at expiry.
     */
    static Session keepAlive(Endpoints endpoints, long lease) {
        Session s = new Session(endpoints, lease);
        s.timer.scheduleWithFixedDelay(() -> s.renew(endpoints, lease), 0, 1, TimeUnit.SECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.stop.countDown();
            try {
                s.closed.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        return s;
    }

    private void renew(Endpoints endpoints, long lease) {
        CountDownLatch answered = new CountDownLatch(1);
        long[] ttl = {-1};
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(endpoints.channel(0))
                .leaseKeepAlive(new StreamObserver<>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse r) {
                        ttl[0] = r.getTTL();
                        answered.countDown();
                    }

                    @Override
                    public void onError(Throwable t) {
                        answered.countDown();
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
        try {
            answered.await(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        requests.onCompleted();
        if (ttl[0] == 0) {
            lost.countDown(); // the lease expired: what it held is gone
        }
    }

    /** Blocks until the process is interrupted (SIGINT, SIGTERM) or the lease is lost; returns the exit code. */
    int holdUntilInterrupted() {
        try {
            while (!stop.await(100, TimeUnit.MILLISECONDS)) {
                if (lost.getCount() == 0) {
                    return 1;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Stops renewing and revokes the lease (best effort: if that fails, it expires). */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            endpoints.write(c -> LeaseGrpc.newBlockingStub(c)
                    .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build()));
        } catch (StatusRuntimeException e) {
            // gone already, or no server answers: the lease expires by itself
        } finally {
            closed.countDown();
        }
    }
}
