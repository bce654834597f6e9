package io.flotilla.kv.service.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.testing.TestCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code flotilla bench} drives real requests and reports what it measured; bad options are refused. */
class BenchCommandTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() throws InterruptedException {
        cluster = TestCluster.start(1, data, TestCluster.FAST);
        cluster.awaitLeader(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static CliTest.Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CliMain.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new CliTest.Run(code, out.toString(), err.toString());
    }

    @Test
    void aMixedWorkloadIsMeasuredAndWrittenAsJson() throws Exception {
        Path json = data.resolve("bench.json");
        CliTest.Run r = run("bench", "--endpoints=" + cluster.member(0).clientAddress(), "--clients=4", "--conns=2",
                "--keys=50", "--value-size=64", "--write-ratio=0.5", "--warmup=200ms", "--duration=1s",
                "--json=" + json, "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ops/s") && r.out().contains("p99.9"), r.out());
        JsonNode result = new ObjectMapper().readTree(json.toFile());
        assertTrue(result.get("operations").asLong() > 0, "requests were made: " + result);
        assertEquals(0, result.get("errors").asLong(), "a healthy server answers every request");
        assertTrue(result.get("p50Ms").asDouble() <= result.get("p99Ms").asDouble());
        assertTrue(result.get("p99Ms").asDouble() <= result.get("maxMs").asDouble());
        // The writes really landed: a key of the bench key space now exists.
        CliTest.Run get = run("get", "bench/", "--prefix", "--count-only",
                "--endpoints=" + cluster.member(0).clientAddress());
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().matches("(?s).*[1-9][0-9]*.*"), get.out());
    }

    @Test
    void putsWriteFreshRandomValuesUnlessZerosAreAskedFor() {
        var kv = KVGrpc.newBlockingStub(cluster.channel(0));
        RangeRequest all = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("bench/"))
                .setRangeEnd(ByteString.copyFromUtf8("bench0")).build();
        for (String mode : new String[] {"zeros", "random"}) {
            kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(all.getKey()).setRangeEnd(all.getRangeEnd()).build());
            CliTest.Run r = run("bench", "--endpoints=" + cluster.member(0).clientAddress(), "--clients=2",
                    "--keys=20", "--value-size=32", "--values=" + mode, "--warmup=100ms", "--duration=500ms",
                    "--quiet");
            assertEquals(0, r.code(), r.err());
            Set<ByteString> distinct = new HashSet<>();
            for (var kvs : kv.range(all).getKvsList()) {
                assertEquals(32, kvs.getValue().size());
                distinct.add(kvs.getValue());
            }
            ByteString zeros = ByteString.copyFrom(new byte[32]);
            if (mode.equals("zeros")) {
                assertEquals(Set.of(zeros), distinct, "every value is zero-filled");
            } else {
                assertTrue(distinct.size() > 10 && !distinct.contains(zeros), "each put writes its own bytes: "
                        + distinct.size() + " distinct values");
            }
        }
    }

    @Test
    void badOptionsAreRefusedWithTheReason() {
        CliTest.Run r = run("bench", "--write-ratio=1.5");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--write-ratio must be from 0 to 1, got 1.5"), r.err());
        assertEquals(2, run("bench", "--read-mode=eventual").code());
        assertTrue(run("bench", "--values=ones").err().contains("--values must be random or zeros, got 'ones'"));
    }
}
