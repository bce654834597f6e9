package io.flotilla.kv.service.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrpc;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveResponse;
import io.flotilla.kv.service.node.HostPort;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla bench-lease}: keep-alive throughput, as etcd's {@code benchmark lease-keepalive}: leases granted
 * up front, then each of {@code --clients} keep-alive streams renews its lease in a closed loop (the next renewal sent
 * when the previous one is answered), spread over the endpoints (followers pass renewals to the leader).
 */
@Command(name = "bench-lease", description = "Measures lease keep-alive throughput and latency (etcd's benchmark "
        + "lease-keepalive).")
final class LeaseBenchCommand implements Callable<Integer> {

    @ParentCommand
    FlotillaCli parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--clients", defaultValue = "64", description = "Keep-alive streams, one lease each (default: "
            + "${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--conns", defaultValue = "8", description = "gRPC connections over the endpoints (default: "
            + "${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--duration", defaultValue = "10s", converter = FlotillaCli.DurationConverter.class,
            description = "How long to measure, after the warm-up (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = FlotillaCli.DurationConverter.class,
            description = "Renewals before measuring starts (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    private final Recorder recorder = new Recorder(TimeUnit.MINUTES.toMicros(1), 3);
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<HostPort> endpoints = Endpoints.parse(parent.endpoints);
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                HostPort a = endpoints.get(i % endpoints.size());
                channels.add(NettyChannelBuilder.forAddress(a.host(), a.port()).usePlaintext().directExecutor().build());
            }
            for (int c = 0; c < clients; c++) {
                ManagedChannel channel = channels.get(c % channels.size());
                long lease = LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build()).getID();
                new Renewer(channel, lease).next();
            }
            Thread.sleep(warmup.toMillis());
            recorder.getIntervalHistogram();
            errors.set(0);
            long start = System.nanoTime();
            Thread.sleep(duration.toMillis());
            Histogram h = recorder.getIntervalHistogram();
            double seconds = (System.nanoTime() - start) / 1e9;
            stopping = true;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("endpoints", parent.endpoints);
            r.put("clients", clients);
            r.put("seconds", seconds);
            r.put("renewals", h.getTotalCount());
            r.put("renewalsPerSecond", h.getTotalCount() / seconds);
            r.put("errors", errors.get());
            r.put("p50Ms", h.getValueAtPercentile(50) / 1000.0);
            r.put("p99Ms", h.getValueAtPercentile(99) / 1000.0);
            r.put("p999Ms", h.getValueAtPercentile(99.9) / 1000.0);
            r.put("maxMs", h.getMaxValue() / 1000.0);
            out.printf("%d renewals in %.1f s: %.0f/s; latency ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f; errors %d%n",
                    h.getTotalCount(), seconds, r.get("renewalsPerSecond"), r.get("p50Ms"), r.get("p99Ms"),
                    r.get("p999Ms"), r.get("maxMs"), errors.get());
            out.flush();
            if (json != null) {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), r);
            }
            return 0;
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    /** One keep-alive stream renewing one lease in a closed loop. */
    private final class Renewer implements StreamObserver<LeaseKeepAliveResponse> {
        private final StreamObserver<LeaseKeepAliveRequest> requests;
        private final LeaseKeepAliveRequest request;
        private volatile long sentNanos;

        Renewer(ManagedChannel channel, long lease) {
            this.request = LeaseKeepAliveRequest.newBuilder().setID(lease).build();
            this.requests = LeaseGrpc.newStub(channel).leaseKeepAlive(this);
        }

        void next() {
            if (stopping) {
                requests.onCompleted();
                return;
            }
            sentNanos = System.nanoTime();
            requests.onNext(request);
        }

        @Override
        public void onNext(LeaseKeepAliveResponse r) {
            recorder.recordValue(Math.max(1, (System.nanoTime() - sentNanos) / 1000));
            if (r.getTTL() <= 0) {
                errors.incrementAndGet();
            }
            next();
        }

        @Override
        public void onError(Throwable t) {
            errors.incrementAndGet();
        }

        @Override
        public void onCompleted() {
        }
    }
}
