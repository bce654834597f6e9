package io.flotilla.kv.service.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutResponse;
import io.flotilla.kv.service.internal.proto.etcd.WatchCreateRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchGrpc;
import io.flotilla.kv.service.internal.proto.etcd.WatchRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.internal.proto.mvcc.Event;
import io.flotilla.kv.service.node.HostPort;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
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
 * {@code flotilla bench-watch}: etcd's {@code benchmark watch-latency}, for any etcd v3 endpoints. Watchers are spread
 * over streams, the streams over the endpoints (every member serves its own watchers), the watchers over keys; puts
 * to those keys are sent at a fixed rate (open loop), each carrying its send time, and every event's latency is the
 * time from its put being sent to the event arriving (one clock: the client's). Reports puts/s, events/s, event
 * latency percentiles and events missing at the end.
 */
@Command(name = "bench-watch", description = "Measures put-to-event latency and event throughput with many watchers "
        + "(etcd's benchmark watch-latency).")
final class WatchBenchCommand implements Callable<Integer> {

    @ParentCommand
    FlotillaCli parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--watchers", defaultValue = "1000", description = "Watchers in all (default: ${DEFAULT-VALUE}).")
    int watchers;

    @Option(names = "--streams", defaultValue = "10", description = "Watch streams, each on its own connection, "
            + "spread over the endpoints (default: ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--keys", defaultValue = "1", description = "Watched keys; watcher i watches key i mod keys "
            + "(default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--put-rate", defaultValue = "100", description = "Puts per second, round robin over the keys "
            + "(default: ${DEFAULT-VALUE}).")
    int putRate;

    @Option(names = "--value-size", defaultValue = "256", description = "Bytes per value, at least 8 (default: "
            + "${DEFAULT-VALUE}).")
    int valueSize;

    @Option(names = "--duration", defaultValue = "10s", converter = FlotillaCli.DurationConverter.class,
            description = "How long to measure, after the warm-up (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = FlotillaCli.DurationConverter.class,
            description = "Puts before measuring starts (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--stalled-streams", defaultValue = "0", description = "Extra streams, each watching every "
            + "benchmark key, that never read a response: clients too slow for their events (default: "
            + "${DEFAULT-VALUE}).")
    int stalledStreams;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    private final Recorder latencies = new Recorder(TimeUnit.MINUTES.toMicros(1), 3);
    private final Recorder putLatencies = new Recorder(TimeUnit.MINUTES.toMicros(1), 3);
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    /** Errors by what failed and gRPC status (e.g. "put DEADLINE_EXCEEDED: ..."), so a run's errors can be explained. */
    private final Map<String, AtomicLong> errorKinds = new ConcurrentHashMap<>();
    private volatile boolean measuring;
    /** Events of puts sent from then on are measured ({@link System#nanoTime()}); the puts stop after the duration. */
    private volatile long measureFrom = Long.MAX_VALUE;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (watchers < 1 || streams < 1 || keys < 1 || putRate < 1 || valueSize < 8) {
            err.println("flotilla bench-watch: --watchers, --streams, --keys and --put-rate must be at least 1, "
                    + "--value-size at least 8");
            err.flush();
            return 2;
        }
        List<HostPort> endpoints = Endpoints.parse(parent.endpoints);
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < streams; i++) {
                HostPort a = endpoints.get(i % endpoints.size());
                channels.add(NettyChannelBuilder.forAddress(a.host(), a.port()).usePlaintext().directExecutor()
                        .maxInboundMessageSize(64 << 20).build());
            }
            return run(channels, endpoints, out, err);
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    /** Counts an error, by what failed and how (measured errors only: the counts restart when measuring starts). */
    private void error(String what, Throwable t) {
        errors.incrementAndGet();
        Status status = Status.fromThrowable(t);
        // Kinds, not instances: numbers (durations, ids) and everything after the first sentence are left out.
        String description = status.getDescription() == null ? ""
                : ": " + status.getDescription().replaceAll("[0-9.]+[0-9]", "N").replaceAll("\\. .*", ".");
        errorKinds.computeIfAbsent(what + " " + status.getCode() + description, k -> new AtomicLong())
                .incrementAndGet();
    }

    /** Opens a stream watching every benchmark key that reads nothing after its first response (gRPC flow control). */
    private static void stall(ManagedChannel channel) {
        StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(
                new io.grpc.stub.ClientResponseObserver<WatchRequest, WatchResponse>() {
                    @Override
                    public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchRequest> call) {
                        call.disableAutoRequestWithInitial(1); // the created response, then nothing
                    }

                    @Override
                    public void onNext(WatchResponse r) {
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        ByteString prefix = ByteString.copyFromUtf8("watch-bench/");
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(prefix)
                .setRangeEnd(ByteString.copyFromUtf8("watch-bench0"))).build());
    }

    private ByteString key(int k) {
        return ByteString.copyFrom(String.format("watch-bench/%06d", k), StandardCharsets.UTF_8);
    }

    private int run(List<ManagedChannel> channels, List<HostPort> endpoints, PrintWriter out, PrintWriter err)
            throws Exception {
        CountDownLatch created = new CountDownLatch(watchers);
        List<StreamObserver<WatchRequest>> open = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            open.add(WatchGrpc.newStub(channels.get(s)).watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse r) {
                    if (r.getCreated()) {
                        created.countDown();
                    }
                    long now = System.nanoTime();
                    for (Event e : r.getEventsList()) {
                        long sent = e.getKv().getValue().asReadOnlyByteBuffer().getLong();
                        if (sent >= measureFrom) {
                            latencies.recordValue(Math.max(1, (now - sent) / 1000));
                            events.incrementAndGet();
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    error("watch stream", t);
                }

                @Override
                public void onCompleted() {
                }
            }));
        }
        for (int w = 0; w < watchers; w++) {
            StreamObserver<WatchRequest> stream = open.get(w % streams);
            synchronized (stream) {
                stream.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                        .setKey(key(w % keys))).build());
            }
        }
        if (!created.await(60, TimeUnit.SECONDS)) {
            err.println("flotilla bench-watch: only " + (watchers - created.getCount()) + " of " + watchers
                    + " watchers were created within 60 s");
            err.flush();
            return 1;
        }
        // A slow client is a client of its own: each stalled stream gets its own connection. On a shared one, the
        // bytes the stalled stream never reads hold grpc-java's connection-level window, and the connection's other
        // streams (puts, watches) stop receiving: the benchmark would measure its own client.
        for (int s = 0; s < stalledStreams; s++) {
            HostPort a = endpoints.get(s % endpoints.size());
            ManagedChannel own = NettyChannelBuilder.forAddress(a.host(), a.port()).usePlaintext().directExecutor()
                    .build();
            channels.add(own);
            stall(own);
        }
        out.printf("%d watchers on %d keys over %d streams; putting %d/s%n", watchers, keys, streams, putRate);
        out.flush();
        List<KVGrpc.KVStub> putters = new ArrayList<>();
        for (ManagedChannel c : channels.subList(0, Math.min(channels.size(), endpoints.size()))) {
            putters.add(KVGrpc.newStub(c));
        }
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / putRate;
        long start = System.nanoTime();
        long from = start + warmup.toNanos();
        long end = from + duration.toNanos();
        long expectedEvents = 0;
        Histogram total = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
        long nextReport = from + TimeUnit.SECONDS.toNanos(1);
        byte[] filler = new byte[valueSize];
        for (long n = 0; ; n++) {
            long due = start + n * intervalNanos;
            long now = System.nanoTime();
            if (due >= end) {
                break;
            }
            if (due > now) {
                TimeUnit.NANOSECONDS.sleep(due - now);
            }
            if (!measuring && System.nanoTime() >= from) {
                errors.set(0);
                errorKinds.clear();
                measureFrom = System.nanoTime();
                measuring = true;
            }
            int k = (int) (n % keys);
            int watching = watchers / keys + (k < watchers % keys ? 1 : 0);
            if (measuring) {
                expectedEvents += watching;
            }
            byte[] value = filler.clone();
            long sentNanos = System.nanoTime();
            boolean timed = measuring;
            ByteBuffer.wrap(value).putLong(sentNanos);
            int target = (int) (n % putters.size());
            putters.get(target).withDeadlineAfter(parent.timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .put(PutRequest.newBuilder().setKey(key(k)).setValue(UnsafeByteOperations.unsafeWrap(value))
                            .build(), new StreamObserver<PutResponse>() {
                                @Override
                                public void onNext(PutResponse r) {
                                    if (timed) {
                                        putLatencies.recordValue(Math.max(1, (System.nanoTime() - sentNanos) / 1000));
                                    }
                                }

                                @Override
                                public void onError(Throwable t) {
                                    error("put to " + endpoints.get(target), t);
                                }

                                @Override
                                public void onCompleted() {
                                }
                            });
            if (measuring && System.nanoTime() >= nextReport) {
                Histogram interval = latencies.getIntervalHistogram();
                total.add(interval);
                out.printf("%5.1fs  %8d events  p50 %6.2f ms  p99 %6.2f ms  errors %d%n",
                        (System.nanoTime() - from) / 1e9, interval.getTotalCount(),
                        interval.getValueAtPercentile(50) / 1000.0, interval.getValueAtPercentile(99) / 1000.0,
                        errors.get());
                out.flush();
                nextReport += TimeUnit.SECONDS.toNanos(1);
            }
        }
        double seconds = (System.nanoTime() - measureFrom) / 1e9;
        // Events of the last puts still arrive: wait for them (at most 10 s), then count what never came.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (events.get() < expectedEvents && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        measuring = false;
        total.add(latencies.getIntervalHistogram());
        Histogram puts = putLatencies.getIntervalHistogram();
        long received = events.get();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("endpoints", parent.endpoints);
        r.put("watchers", watchers);
        r.put("streams", streams);
        r.put("keys", keys);
        r.put("putRate", putRate);
        r.put("seconds", seconds);
        r.put("eventsExpected", expectedEvents);
        r.put("eventsReceived", received);
        r.put("eventsPerSecond", received / seconds);
        r.put("errors", errors.get());
        Map<String, Long> kinds = new TreeMap<>();
        errorKinds.forEach((kind, count) -> kinds.put(kind, count.get()));
        r.put("errorKinds", kinds);
        r.put("p50Ms", total.getValueAtPercentile(50) / 1000.0);
        r.put("p90Ms", total.getValueAtPercentile(90) / 1000.0);
        r.put("p99Ms", total.getValueAtPercentile(99) / 1000.0);
        r.put("p999Ms", total.getValueAtPercentile(99.9) / 1000.0);
        r.put("maxMs", total.getMaxValue() / 1000.0);
        r.put("putP50Ms", puts.getValueAtPercentile(50) / 1000.0);
        r.put("putP99Ms", puts.getValueAtPercentile(99) / 1000.0);
        out.printf("%d events in %.1f s: %.0f events/s (%d expected); event latency ms p50 %.2f p90 %.2f p99 %.2f "
                        + "p99.9 %.2f max %.2f; put latency ms p50 %.2f p99 %.2f; errors %d%n", received, seconds,
                r.get("eventsPerSecond"), expectedEvents, r.get("p50Ms"), r.get("p90Ms"), r.get("p99Ms"),
                r.get("p999Ms"), r.get("maxMs"), r.get("putP50Ms"), r.get("putP99Ms"), errors.get());
        kinds.forEach((kind, count) -> out.printf("  %d x %s%n", count, kind));
        out.flush();
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), r);
        }
        for (StreamObserver<WatchRequest> s : open) {
            synchronized (s) {
                s.onCompleted();
            }
        }
        return 0;
    }
}
