package io.flotilla.kv.service.server;

import io.flotilla.kv.service.api.ClusterApi;
import io.flotilla.kv.service.api.ExtensionApi;
import io.flotilla.kv.service.api.ForwardingApi;
import io.flotilla.kv.service.api.GrpcMetricsInterceptor;
import io.flotilla.kv.service.api.HealthApi;
import io.flotilla.kv.service.api.KvApi;
import io.flotilla.kv.service.api.ElectionApi;
import io.flotilla.kv.service.api.LeaseApi;
import io.flotilla.kv.service.api.LockApi;
import io.flotilla.kv.service.api.MaintenanceApi;
import io.flotilla.kv.service.api.WatchApi;
import io.flotilla.kv.service.node.HostPort;
import io.flotilla.kv.service.api.GrpcReadForwarder;
import io.flotilla.kv.service.node.KvNode;
import io.flotilla.kv.service.node.ServerSettings;
import io.flotilla.kv.service.ops.HttpEndpoints;
import io.flotilla.kv.service.ops.MemberHealth;
import io.flotilla.kv.service.ops.MemberMetrics;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running KV server member: its {@link KvNode}, the gRPC server on its client address that serves the etcd API,
 * the gRPC health service, Flotilla's extension and request forwarding between members, and optionally the HTTP
 * endpoints (/health, /version, /metrics) on an address of their own.
 *
 * <p>{@link #close()} shuts down in the order that keeps clients informed: stop accepting calls, give calls in
 * flight a grace period to finish, cancel the rest (clients see UNAVAILABLE), then close the Raft node, which fails
 * whatever is still pending with "etcdserver: server stopped".
 */
public final class KvServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KvServer.class);

    private final KvNode node;
    private final Server grpc;
    private final Duration shutdownGrace;
    private final HealthApi health;
    private final MaintenanceApi maintenance;
    private final HttpEndpoints http;
    private volatile boolean closed;

    private KvServer(KvNode node, Server grpc, Duration shutdownGrace, HealthApi health, MaintenanceApi maintenance,
                     HttpEndpoints http) {
        this.node = node;
        this.grpc = grpc;
        this.shutdownGrace = shutdownGrace;
        this.health = health;
        this.maintenance = maintenance;
        this.http = http;
    }

    /**
     * Starts the member and serves clients on its advertised client address.
     *
     * @param settings      the member's settings
     * @param shutdownGrace how long {@link #close()} lets calls in flight finish
     * @return the running server
     * @throws UncheckedIOException if the client address cannot be bound
     */
    public static KvServer start(ServerSettings settings, Duration shutdownGrace) {
        return start(settings, settings.selfMember().clientAddress(), shutdownGrace);
    }

    /**
     * Starts the member and serves clients on the given address.
     *
     * @param settings      the member's settings
     * @param address       where to accept clients
     * @param shutdownGrace how long {@link #close()} lets calls in flight finish
     * @return the running server
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static KvServer start(ServerSettings settings, HostPort address, Duration shutdownGrace) {
        return start(settings, address, shutdownGrace, null);
    }

    /**
     * Starts the member, serves clients on the given address and, if {@code httpAddress} is given, /health,
     * /version and /metrics there.
     *
     * @param settings      the member's settings
     * @param address       where to accept clients
     * @param shutdownGrace how long {@link #close()} lets calls in flight finish
     * @param httpAddress   where to serve the HTTP endpoints (etcd's --listen-metrics-urls), or null for none
     * @return the running server
     * @throws UncheckedIOException if an address cannot be bound
     */
    public static KvServer start(ServerSettings settings, HostPort address, Duration shutdownGrace,
                                 HostPort httpAddress) {
        MemberMetrics metrics = new MemberMetrics();
        // A forwarded read's answer is at most what a client may be sent, with room for framing.
        KvNode node = KvNode.start(settings,
                new GrpcReadForwarder(KvNode.maxInboundMessageBytes(settings.maxRequestBytes())), metrics);
        metrics.bind(node);
        MemberHealth memberHealth = new MemberHealth(node, metrics, settings.raftOptions().requestTimeoutMillis());
        HealthApi health = new HealthApi(memberHealth);
        GrpcMetricsInterceptor counted = new GrpcMetricsInterceptor(metrics);
        MaintenanceApi maintenance = new MaintenanceApi(node);
        Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress(address.host(), address.port()))
                .maxInboundMessageSize(KvNode.maxInboundMessageBytes(settings.maxRequestBytes()))
                // Handlers only validate a request and queue it for the engine (or forward it asynchronously); none
                // blocks, so they run on the network thread instead of paying a hand-off to gRPC's default pool.
                .directExecutor()
                .addService(ServerInterceptors.intercept(new KvApi(node), counted))
                .addService(ServerInterceptors.intercept(new WatchApi(node.watches()), counted))
                .addService(ServerInterceptors.intercept(new LeaseApi(node), counted))
                .addService(ServerInterceptors.intercept(new LockApi(node), counted))
                .addService(ServerInterceptors.intercept(new ElectionApi(node), counted))
                .addService(ServerInterceptors.intercept(new ClusterApi(node), counted))
                .addService(ServerInterceptors.intercept(maintenance, counted))
                .addService(ServerInterceptors.intercept(health, counted))
                .addService(ServerInterceptors.intercept(new ExtensionApi(node), counted))
                .addService(new ForwardingApi(node)) // between members: not a client's call
                .build();
        try {
            grpc.start();
        } catch (IOException e) {
            health.close();
            maintenance.close();
            node.close();
            throw new UncheckedIOException("cannot serve clients on " + address + ": " + e.getMessage(), e);
        }
        HttpEndpoints http = null;
        if (httpAddress != null) {
            try {
                http = HttpEndpoints.start(httpAddress, memberHealth, metrics);
            } catch (UncheckedIOException e) {
                grpc.shutdownNow();
                health.close();
                maintenance.close();
                node.close();
                throw e;
            }
        }
        LOG.info("member {} serves clients on {} (peers: {})", settings.self(), address,
                settings.selfMember().peerAddress());
        return new KvServer(node, grpc, shutdownGrace, health, maintenance, http);
    }

    /** Returns the member behind the server. */
    public KvNode node() {
        return node;
    }

    /** {@return the port of the HTTP endpoints (/health, /version, /metrics), or -1 if there are none} */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Blocks until the server has shut down. */
    public void awaitTermination() throws InterruptedException {
        grpc.awaitTermination();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("member {} shutting down: no new requests; {} ms for requests in flight", node.self(),
                shutdownGrace.toMillis());
        grpc.shutdown();
        if (http != null) {
            http.close();
        }
        health.close(); // health watches never end by themselves either
        maintenance.close(); // nor does a backup to a client that stopped reading
        node.watches().close(); // watch streams never end by themselves: end them, so the grace is for requests
        try {
            if (!grpc.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("member {}: requests still in flight after {} ms are cancelled", node.self(),
                        shutdownGrace.toMillis());
                grpc.shutdownNow();
                grpc.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grpc.shutdownNow();
        }
        node.close();
        LOG.info("member {} stopped", node.self());
    }
}
