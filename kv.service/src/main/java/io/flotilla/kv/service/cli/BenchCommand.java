package io.flotilla.kv.service.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.node.HostPort;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
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
 * {@code flotilla bench}: closed-loop load against any etcd v3 endpoints (Flotilla or etcd itself), so both are
 * measured by the same client. Each client keeps exactly one request in flight; latency is recorded in an HDR
 * histogram from the moment a request is issued to its response, after a warm-up.
 */
@Command(name = "bench", description = "Drives etcd v3 endpoints with closed-loop clients and reports throughput and "
        + "latency percentiles (HdrHistogram).")
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    FlotillaCli parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--clients", defaultValue = "16", description = "Concurrent closed-loop clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--conns", defaultValue = "4", description = "gRPC connections, spread over the endpoints (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--keys", defaultValue = "10000", description = "Size of the key space (default: ${DEFAULT-VALUE}).")
    int keySpace;

    @Option(names = "--value-size", defaultValue = "256", description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    int valueSize;

    @Option(names = "--values", defaultValue = "random",
            description = "random (fresh random bytes for every put: no store can compress them) or zeros (one "
                    + "zero-filled value, which compressing stores shrink to almost nothing) (default: ${DEFAULT-VALUE}).")
    String values;

    @Option(names = "--write-ratio", defaultValue = "1.0", description = "Share of writes, 0 to 1; the rest are reads (default: ${DEFAULT-VALUE}).")
    double writeRatio;

    @Option(names = "--read-mode", defaultValue = "linearizable",
            description = "linearizable or serializable (default: ${DEFAULT-VALUE}).")
    String readMode;

    @Option(names = "--duration", defaultValue = "10s", converter = FlotillaCli.DurationConverter.class,
            description = "How long to measure, after the warm-up (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = FlotillaCli.DurationConverter.class,
            description = "Load before measuring starts (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Option(names = "--quiet", description = "No progress lines.")
    boolean quiet;

    @Option(names = "--success-log", paramLabel = "FILE",
            description = "Append the wall-clock time (epoch ms) of every successful request to FILE, e.g. to time a "
                    + "failover from the moment the leader is killed.")
    Path successLog;

    private java.io.BufferedWriter successes;

    private final Recorder recorder = new Recorder(TimeUnit.MINUTES.toMicros(1), 3);
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean measuring;
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String problem = validate();
        if (problem != null) {
            err.println("flotilla bench: " + problem);
            err.flush();
            return 2;
        }
        List<HostPort> endpoints;
        try {
            endpoints = Endpoints.parse(parent.endpoints);
        } catch (IllegalArgumentException e) {
            err.println("flotilla bench: " + e.getMessage());
            err.flush();
            return 2;
        }
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            HostPort a = endpoints.get(i % endpoints.size());
            // Completions only record a latency and send the next request, so they run on the network threads: a
            // hand-off to gRPC's default pool per response made the load generator, not the servers, use most of
            // a 2-core machine's CPU (README, Performance).
            channels.add(NettyChannelBuilder.forAddress(a.host(), a.port()).usePlaintext().directExecutor().build());
        }
        try {
            if (successLog != null) {
                successes = java.nio.file.Files.newBufferedWriter(successLog, StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
            return run(channels, out);
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            if (successes != null) {
                synchronized (this) {
                    successes.close();
                }
            }
        }
    }

    private String validate() {
        if (clients < 1 || connections < 1 || keySpace < 1 || valueSize < 0) {
            return "--clients, --conns and --keys must be at least 1, --value-size at least 0";
        }
        if (writeRatio < 0 || writeRatio > 1) {
            return "--write-ratio must be from 0 to 1, got " + writeRatio;
        }
        if (!values.equals("random") && !values.equals("zeros")) {
            return "--values must be random or zeros, got '" + values + "'";
        }
        if (!readMode.equals("linearizable") && !readMode.equals("serializable")) {
            return "--read-mode must be linearizable or serializable, got '" + readMode + "'";
        }
        return null;
    }

    private int run(List<ManagedChannel> channels, PrintWriter out) throws InterruptedException, IOException {
        CountDownLatch done = new CountDownLatch(clients);
        ByteString value = ByteString.copyFrom(new byte[valueSize]);
        keys = keySpace <= 1_000_000 ? new ByteString[keySpace] : null;
        List<KVGrpc.KVStub> stubs = channels.stream().map(KVGrpc::newStub).toList();
        for (int c = 0; c < clients; c++) {
            new Client(stubs, c % stubs.size(), value, new SplittableRandom(c * 7919L + 1), done).next();
        }
        Thread.sleep(warmup.toMillis());
        recorder.getIntervalHistogram(); // discard the warm-up
        errors.set(0);
        measuring = true;
        long start = System.nanoTime();
        Histogram total = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
        long endAt = start + duration.toNanos();
        while (System.nanoTime() < endAt) {
            Thread.sleep(Math.min(1000, Math.max(1, (endAt - System.nanoTime()) / 1_000_000)));
            Histogram interval = recorder.getIntervalHistogram();
            total.add(interval);
            flushSuccesses();
            if (!quiet) {
                out.printf("%5.1fs  %8.0f ops/s  p50 %6.2f ms  p99 %6.2f ms  errors %d%n",
                        (System.nanoTime() - start) / 1e9, interval.getTotalCount() * 1e9 / Math.max(1,
                                interval.getEndTimeStamp() - interval.getStartTimeStamp()) / 1e6,
                        interval.getValueAtPercentile(50) / 1000.0, interval.getValueAtPercentile(99) / 1000.0,
                        errors.get());
                out.flush();
            }
        }
        measuring = false;
        double seconds = (System.nanoTime() - start) / 1e9;
        stopping = true;
        done.await(30, TimeUnit.SECONDS);
        total.add(recorder.getIntervalHistogram());
        Map<String, Object> result = summary(total, seconds);
        out.printf("%d ops in %.1f s: %.0f ops/s; latency ms p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f; "
                        + "errors %d%n", total.getTotalCount(), seconds, result.get("opsPerSecond"), result.get("p50Ms"),
                result.get("p90Ms"), result.get("p99Ms"), result.get("p999Ms"), result.get("maxMs"), errors.get());
        out.flush();
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result);
        }
        return errors.get() > 0 && total.getTotalCount() == 0 ? 1 : 0;
    }

    private void recordSuccess() {
        if (successes == null) {
            return; // the common case: no lock taken per response
        }
        synchronized (this) {
            try {
                successes.write(Long.toString(System.currentTimeMillis()));
                successes.newLine();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private synchronized void flushSuccesses() throws IOException {
        if (successes != null) {
            successes.flush();
        }
    }

    private Map<String, Object> summary(Histogram h, double seconds) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("endpoints", parent.endpoints);
        r.put("clients", clients);
        r.put("connections", connections);
        r.put("keys", keySpace);
        r.put("valueSize", valueSize);
        r.put("values", values);
        r.put("writeRatio", writeRatio);
        r.put("readMode", readMode);
        r.put("seconds", seconds);
        r.put("operations", h.getTotalCount());
        r.put("errors", errors.get());
        r.put("opsPerSecond", h.getTotalCount() / seconds);
        r.put("p50Ms", h.getValueAtPercentile(50) / 1000.0);
        r.put("p90Ms", h.getValueAtPercentile(90) / 1000.0);
        r.put("p99Ms", h.getValueAtPercentile(99) / 1000.0);
        r.put("p999Ms", h.getValueAtPercentile(99.9) / 1000.0);
        r.put("maxMs", h.getMaxValue() / 1000.0);
        return r;
    }

    /** Keys already built, shared by all clients (a benign race: two clients may build the same key). */
    private ByteString[] keys;

    private ByteString key(int n) {
        ByteString[] cache = keys;
        if (cache != null && cache[n] != null) {
            return cache[n];
        }
        ByteString key = ByteString.copyFrom(String.format("bench/%08d", n), StandardCharsets.UTF_8);
        if (cache != null) {
            cache[n] = key;
        }
        return key;
    }

    /** One closed-loop client: issues the next request from the previous one's completion. */
    private final class Client {
        private final List<KVGrpc.KVStub> stubs;
        private final ByteString value;
        private final SplittableRandom random;
        private final CountDownLatch done;
        private final boolean randomValues = values.equals("random");
        /** The connection in use; after a failure the client moves to the next one, as etcd clients do. */
        private volatile int current;

        Client(List<KVGrpc.KVStub> stubs, int first, ByteString value, SplittableRandom random, CountDownLatch done) {
            this.stubs = stubs;
            this.current = first;
            this.value = value;
            this.random = random;
            this.done = done;
        }

        void next() {
            if (stopping) {
                done.countDown();
                return;
            }
            ByteString key = key(random.nextInt(keySpace));
            long startNanos = System.nanoTime();
            KVGrpc.KVStub deadlined = stubs.get(current)
                    .withDeadlineAfter(parent.timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (random.nextDouble() < writeRatio) {
                deadlined.put(PutRequest.newBuilder().setKey(key).setValue(nextValue()).build(), observer(startNanos));
            } else {
                deadlined.range(RangeRequest.newBuilder().setKey(key)
                        .setSerializable(readMode.equals("serializable")).build(), observer(startNanos));
            }
        }

        private ByteString nextValue() {
            if (!randomValues) {
                return value;
            }
            byte[] bytes = new byte[valueSize];
            random.nextBytes(bytes);
            return UnsafeByteOperations.unsafeWrap(bytes);
        }

        private <T> StreamObserver<T> observer(long startNanos) {
            return new StreamObserver<>() {
                @Override
                public void onNext(T response) {
                    recorder.recordValue(Math.max(1, (System.nanoTime() - startNanos) / 1000));
                    recordSuccess();
                }

                @Override
                public void onError(Throwable t) {
                    if (measuring) {
                        errors.incrementAndGet();
                    }
                    current = (current + 1) % stubs.size();
                    next();
                }

                @Override
                public void onCompleted() {
                    next();
                }
            };
        }
    }
}
