package io.flotilla.kv.service.ops;

import io.flotilla.kv.service.internal.proto.command.StoreStats;
import io.flotilla.kv.service.node.KvNode;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftMetrics;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.RaftStatus;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One member's Prometheus metrics, under etcd 3.5's names where they mean the same, so etcd dashboards and alerts
 * work: {@code etcd_server_has_leader}, {@code etcd_server_is_leader}, {@code etcd_server_leader_changes_seen_total},
 * {@code etcd_server_proposals_{committed,applied,failed}_total}, {@code etcd_server_proposals_pending},
 * {@code etcd_disk_wal_fsync_duration_seconds} (the Raft log's durable writes),
 * {@code etcd_disk_backend_commit_duration_seconds}, {@code etcd_mvcc_db_total_size_in_bytes},
 * {@code etcd_mvcc_db_total_size_in_use_in_bytes}, the gRPC server metrics of go-grpc-prometheus
 * ({@code grpc_server_started_total} and friends, filled by the API's interceptor), plus the JVM's own (heap, GC, threads).
 *
 * <p>A registry per member, not the library's global one: tests run several members in one JVM. Every figure read
 * from the member is read when scraped (callbacks), so nothing is counted twice and nothing runs between scrapes.
 */
public final class MemberMetrics implements RaftMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram walFsync = Histogram.builder()
            .name("etcd_disk_wal_fsync_duration_seconds")
            // etcd's buckets: 1 ms doubling to 8.192 s (ExponentialBuckets(0.001, 2, 14)).
            .help("The latency distributions of the Raft log's durable writes (write and fsync) called by the engine.")
            .classicExponentialUpperBounds(0.001, 2, 14).classicOnly().register(registry);
    private final Histogram backendCommit = Histogram.builder()
            .name("etcd_disk_backend_commit_duration_seconds")
            .help("The latency distributions of commits to the MVCC backend.")
            .classicExponentialUpperBounds(0.001, 2, 14).classicOnly().register(registry);
    private final Counter leaderChanges = Counter.builder()
            .name("etcd_server_leader_changes_seen_total")
            .help("The number of leader changes seen.").register(registry);
    // etcd's names have no _total, which the Prometheus client adds to every counter: gauges keep the names exact.
    private final AtomicLong healthSuccess = new AtomicLong();
    private final AtomicLong healthFailures = new AtomicLong();

    // go-grpc-prometheus' server metrics, as etcd exports them; filled by the API's interceptor.
    private final Counter rpcsStarted = Counter.builder().name("grpc_server_started_total")
            .help("Total number of RPCs started on the server.")
            .labelNames("grpc_type", "grpc_service", "grpc_method").register(registry);
    private final Counter rpcsHandled = Counter.builder().name("grpc_server_handled_total")
            .help("Total number of RPCs completed on the server, regardless of success or failure.")
            .labelNames("grpc_type", "grpc_service", "grpc_method", "grpc_code").register(registry);
    private final Counter messagesReceived = Counter.builder().name("grpc_server_msg_received_total")
            .help("Total number of RPC stream messages received on the server.")
            .labelNames("grpc_type", "grpc_service", "grpc_method").register(registry);
    private final Counter messagesSent = Counter.builder().name("grpc_server_msg_sent_total")
            .help("Total number of gRPC stream messages sent by the server.")
            .labelNames("grpc_type", "grpc_service", "grpc_method").register(registry);
    // Unary calls only: a stream's lifetime says nothing about latency.
    private final Histogram unaryLatency = Histogram.builder().name("grpc_server_handling_seconds")
            .help("Histogram of response latency (seconds) of gRPC that had been application-level handled by the "
                    + "server.")
            .labelNames("grpc_type", "grpc_service", "grpc_method")
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).classicOnly()
            .register(registry);

    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private volatile Optional<NodeId> lastLeader = Optional.empty();

    /** Creates the registry with the JVM's metrics; {@link #bind} adds the member's. */
    public MemberMetrics() {
        JvmMetrics.builder().register(registry);
        GaugeWithCallback.builder().name("etcd_server_health_success")
                .help("The total number of successful health checks")
                .callback(cb -> cb.call(healthSuccess.get())).register(registry);
        GaugeWithCallback.builder().name("etcd_server_health_failures")
                .help("The total number of failed health checks")
                .callback(cb -> cb.call(healthFailures.get())).register(registry);
    }

    @Override
    public void logWritten(int entries, long durationNanos) {
        walFsync.observe(durationNanos / 1e9);
    }

    /**
     * Adds the figures read from the member (leader, proposals, store sizes) and starts counting leader changes and
     * backend commits.
     *
     * @param node the member
     */
    public void bind(KvNode node) {
        lastLeader = node.status().leader();
        node.addLeadershipListener(this::leadershipChanged);
        node.observeBackendCommits(nanos -> backendCommit.observe(nanos / 1e9));
        GaugeWithCallback.builder().name("etcd_server_has_leader")
                .help("Whether or not a leader exists. 1 is existence, 0 is not.")
                .callback(cb -> cb.call(node.status().leader().isPresent() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("etcd_server_is_leader")
                .help("Whether or not this member is a leader. 1 if is, 0 otherwise.")
                .callback(cb -> cb.call(node.status().role() == RaftRole.LEADER ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("etcd_server_is_learner")
                .help("Whether or not this member is a learner. 1 if is, 0 otherwise.")
                .callback(cb -> {
                    RaftStatus s = node.status();
                    cb.call(s.configuration().learners().contains(node.self()) ? 1 : 0);
                }).register(registry);
        // etcd exposes these two as gauges named *_total; the Prometheus client reserves the suffix for counters,
        // and both only grow, so they are counters here: same names on the wire, same meaning.
        CounterWithCallback.builder().name("etcd_server_proposals_committed_total")
                .help("The total number of consensus proposals committed.")
                .callback(cb -> cb.call(node.status().commitIndex())).register(registry);
        CounterWithCallback.builder().name("etcd_server_proposals_applied_total")
                .help("The total number of consensus proposals applied.")
                .callback(cb -> cb.call(node.status().appliedIndex())).register(registry);
        CounterWithCallback.builder().name("etcd_server_proposals_failed_total")
                .help("The total number of failed proposals seen.")
                .callback(cb -> cb.call(node.proposalsFailed())).register(registry);
        GaugeWithCallback.builder().name("etcd_server_proposals_pending")
                .help("The current number of pending proposals to commit.")
                .callback(cb -> cb.call(node.proposalsPending())).register(registry);
        GaugeWithCallback.builder().name("etcd_server_version")
                .help("Which version is running. 1 for 'server_version' label with current version.")
                .labelNames("server_version", "flotilla_version")
                .callback(cb -> cb.call(1, Versions.ETCD_API, Versions.FLOTILLA)).register(registry);
        GaugeWithCallback.builder().name("etcd_mvcc_db_total_size_in_bytes")
                .help("Total size of the underlying database physically allocated in bytes.")
                .callback(cb -> cb.call(node.localStats().getSizeBytes())).register(registry);
        GaugeWithCallback.builder().name("etcd_mvcc_db_total_size_in_use_in_bytes")
                .help("Total size of the underlying database logically in use in bytes.")
                .callback(cb -> cb.call(node.localStats().getSizeInUseBytes())).register(registry);
        GaugeWithCallback.builder().name("etcd_debugging_mvcc_current_revision")
                .help("The current revision of store.")
                .callback(cb -> cb.call(node.revision())).register(registry);
        GaugeWithCallback.builder().name("etcd_debugging_mvcc_compact_revision")
                .help("The revision of the last compaction in store.")
                .callback(cb -> {
                    StoreStats s = node.localStats();
                    cb.call(s.getCompactRevision());
                }).register(registry);
        GaugeWithCallback.builder().name("etcd_debugging_mvcc_watcher_total")
                .help("Total number of watchers.")
                .callback(cb -> cb.call(node.watches().watchers())).register(registry);
        GaugeWithCallback.builder().name("etcd_debugging_mvcc_slow_watcher_total")
                .help("Total number of unsynced slow watchers.")
                .callback(cb -> cb.call(node.watches().unsyncedWatchers())).register(registry);
        GaugeWithCallback.builder().name("etcd_server_quota_backend_bytes")
                .help("Current backend storage quota size in bytes.")
                .callback(cb -> cb.call(node.quotaBytes() == Long.MAX_VALUE ? 0 : node.quotaBytes()))
                .register(registry);
    }

    /** Counts a change to a known leader other than the last one seen (etcd counts the same way). */
    private void leadershipChanged(RaftStatus status) {
        Optional<NodeId> leader = status.leader();
        if (leader.isPresent() && !leader.equals(lastLeader)) {
            leaderChanges.inc();
        }
        if (leader.isPresent()) {
            lastLeader = leader;
        }
    }

    /** Counts a health check's outcome ({@code etcd_server_health_success} / {@code _failures}). */
    void healthChecked(boolean healthy) {
        (healthy ? healthSuccess : healthFailures).incrementAndGet();
    }

    /** {@return the content type of {@link #write}'s output} */
    public String contentType() {
        return writer.getContentType();
    }

    /**
     * Writes every metric in Prometheus' text format.
     *
     * @param out where to write
     * @throws IOException if writing fails
     */
    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    }

    /**
     * Counts a gRPC call's start.
     *
     * @param type    go-grpc-prometheus' type: unary, client_stream, server_stream or bidi_stream
     * @param service the full service name, e.g. {@code etcdserverpb.KV}
     * @param method  the method name, e.g. {@code Range}
     */
    public void grpcStarted(String type, String service, String method) {
        rpcsStarted.labelValues(type, service, method).inc();
    }

    /**
     * Counts a gRPC call's end; a unary call's duration goes to the latency histogram too.
     *
     * @param type       as {@link #grpcStarted}
     * @param service    as {@link #grpcStarted}
     * @param method     as {@link #grpcStarted}
     * @param code       the status code's name, e.g. {@code OK}
     * @param startNanos when the call started ({@link System#nanoTime()})
     */
    public void grpcHandled(String type, String service, String method, String code, long startNanos) {
        rpcsHandled.labelValues(type, service, method, code).inc();
        if ("unary".equals(type)) {
            unaryLatency.labelValues(type, service, method)
                    .observe((System.nanoTime() - startNanos) / 1e9);
        }
    }

    /**
     * Counts a message a stream received.
     *
     * @param type    as {@link #grpcStarted}
     * @param service as {@link #grpcStarted}
     * @param method  as {@link #grpcStarted}
     */
    public void grpcReceived(String type, String service, String method) {
        messagesReceived.labelValues(type, service, method).inc();
    }

    /**
     * Counts a message a stream sent.
     *
     * @param type    as {@link #grpcStarted}
     * @param service as {@link #grpcStarted}
     * @param method  as {@link #grpcStarted}
     */
    public void grpcSent(String type, String service, String method) {
        messagesSent.labelValues(type, service, method).inc();
    }
}
