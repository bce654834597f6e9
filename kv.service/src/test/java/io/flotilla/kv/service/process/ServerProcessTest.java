package io.flotilla.kv.service.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.testing.FreePorts;
import io.flotilla.kv.service.testing.ProcessCluster;
import io.flotilla.kv.service.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code flotilla-server} process: refusing bad configuration, and stopping cleanly on SIGTERM. */
class ServerProcessTest {

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBadConfigurationStopsTheProcessWithAMessageNamingTheFields() throws Exception {
        Path config = directory.resolve("bad.yaml");
        Files.writeString(config, """
                nodeId: n4
                cluster:
                  n1: {peer: "127.0.0.1:1", client: "127.0.0.1:2"}
                logStore: {name: rocksdbx}
                """);
        ServerProcess server = new ServerProcess(List.of("--config=" + config), directory.resolve("bad.log"));
        server.start();
        assertEquals(2, server.awaitExit(30));
        String log = Files.readString(directory.resolve("bad.log"));
        assertTrue(log.contains("flotilla-server: invalid configuration:"), log);
        assertTrue(log.contains("  nodeId: 'n4' is not in cluster (members: n1)"), log);
        assertTrue(log.contains("  logStore.name: unknown log store 'rocksdbx'; available: "), log);
        assertTrue(log.contains("memory"), "the known log stores are listed: " + log);
        assertFalse(log.contains("\tat "), "no stack trace: " + log);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sigtermStopsTheServerCleanly() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(1, directory, List.of())) {
            cluster.awaitLeader(Duration.ofSeconds(30));
            KVGrpc.newBlockingStub(cluster.channel(0)).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder().setKey(KvClientOps.bs("k")).setValue(KvClientOps.bs("v")).build());
            cluster.server(0).terminate();
            int code = cluster.server(0).awaitExit(20);
            String log = cluster.server(0).logTail();
            assertEquals(143, code, "the JVM reports SIGTERM; log:\n" + log);
            assertTrue(log.contains("member n1 shutting down: no new requests"), log);
            assertTrue(log.contains("member n1 stopped"), log);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aClientPortInUseIsReportedWithoutAStackTrace() throws Exception {
        int peer = FreePorts.next();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            String client = "127.0.0.1:" + taken.getLocalPort();
            ServerProcess server = new ServerProcess(List.of("--node-id=n1", "--log-store=memory",
                    "--data-dir=" + directory.resolve("n1"), "--member=n1=127.0.0.1:" + peer + "/" + client),
                    directory.resolve("port.log"));
            server.start();
            assertEquals(1, server.awaitExit(30));
            String log = Files.readString(directory.resolve("port.log"));
            assertTrue(log.contains("flotilla-server: cannot start member n1: cannot serve clients on " + client),
                    log);
        }
    }
}
