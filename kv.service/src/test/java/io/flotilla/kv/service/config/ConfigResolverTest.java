package io.flotilla.kv.service.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.node.HostPort;
import io.flotilla.raft.api.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading and validating the server configuration: every problem names its field. */
class ConfigResolverTest {

    /** The smallest valid configuration: one member, test plugins. */
    static final String ONE_MEMBER = """
            nodeId: n1
            cluster: {n1: {peer: "127.0.0.1:2380", client: "127.0.0.1:2379"}}
            logStore: {name: memory}
            transport: {name: in-jvm}
            """;

    static final String THREE_NODES = """
            nodeId: n2
            dataDir: /tmp/flotilla/n2
            cluster:
              n1: {peer: "127.0.0.1:2380", client: "127.0.0.1:2379"}
              n2: {peer: "127.0.0.1:2381", client: "127.0.0.1:2479"}
              n3: {peer: "127.0.0.1:2382", client: "127.0.0.1:2579"}
            logStore:
              name: memory
              options: {sync: false}
            transport:
              name: in-jvm
            engine:
              electionTimeoutMinMillis: 200
              electionTimeoutMaxMillis: 400
              heartbeatIntervalMillis: 40
              preVote: true
            maxRequestBytes: 2097152
            shutdownGraceMillis: 1500
            """;

    @Test
    void aCompleteFileResolves() {
        ServerConfig config = ConfigResolver.resolve(ConfigLoader.parse(THREE_NODES, "test"));
        assertEquals(NodeId.of("n2"), config.settings().self());
        assertEquals(Path.of("/tmp/flotilla/n2"), config.settings().dataDirectory());
        assertEquals(3, config.settings().members().size());
        assertEquals(HostPort.parse("127.0.0.1:2479"), config.clientListenAddress());
        assertEquals(HostPort.parse("127.0.0.1:2381"), config.settings().selfMember().peerAddress());
        assertEquals("memory", config.settings().raftOptions().logStore());
        assertEquals("in-jvm", config.settings().raftOptions().transport());
        assertEquals(200, config.settings().raftOptions().electionTimeoutMinMillis());
        assertEquals(40, config.settings().raftOptions().heartbeatIntervalMillis());
        assertEquals("false", config.settings().logStoreOptions().get("sync"));
        assertEquals(2097152, config.settings().maxRequestBytes());
        assertEquals(Duration.ofMillis(1500), config.shutdownGrace());
    }

    @Test
    void defaultsFillWhatIsNotGiven() {
        ServerConfig config = ConfigResolver.resolve(ConfigLoader.parse("""
                nodeId: n1
                cluster: {n1: {peer: "127.0.0.1:2380", client: "127.0.0.1:2379"}}
                logStore: {name: memory}
                transport: {name: in-jvm}
                """, "test"));
        assertEquals(Path.of("./n1.flotilla"), config.settings().dataDirectory());
        assertEquals(1536 * 1024, config.settings().maxRequestBytes());
        assertEquals(ConfigResolver.DEFAULT_SHUTDOWN_GRACE, config.shutdownGrace());
        assertEquals(300, config.settings().raftOptions().electionTimeoutMinMillis());
        assertEquals(Duration.ofMinutes(10), config.settings().watchProgressNotifyInterval());
    }

    @Test
    void theWatchProgressIntervalTakesEtcdsDurationsAndRefusesOthers() {
        String base = ONE_MEMBER;
        assertEquals(Duration.ofMillis(1500), ConfigResolver.resolve(ConfigLoader.parse(
                base + "watchProgressNotifyInterval: 1.5s\n", "test")).settings().watchProgressNotifyInterval());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse(
                base + "watchProgressNotifyInterval: soon\n", "test")));
        assertEquals(List.of("watchProgressNotifyInterval: must be a duration of at least 1ms such as 10m or 500ms,"
                + " got 'soon'"), e.problems());
    }

    @Test
    void theMetricsUrlIsEtcdsOneHttpUrlAndNothingElse() {
        String base = ONE_MEMBER;
        assertNull(ConfigResolver.resolve(ConfigLoader.parse(base, "test")).metricsAddress(), "none by default");
        assertEquals(new HostPort("127.0.0.1", 2381), ConfigResolver.resolve(ConfigLoader.parse(
                base + "listenMetricsUrls: http://127.0.0.1:2381\n", "test")).metricsAddress());
        assertEquals(new HostPort("0.0.0.0", 9000), ConfigResolver.resolve(ConfigLoader.parse(
                base + "listenMetricsUrls: 0.0.0.0:9000\n", "test")).metricsAddress());
        ConfigException https = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse(
                base + "listenMetricsUrls: https://127.0.0.1:2381\n", "test")));
        assertEquals(List.of("listenMetricsUrls: https is not supported yet (no TLS), got 'https://127.0.0.1:2381'"),
                https.problems());
        ConfigException two = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse(
                base + "listenMetricsUrls: \"http://a:1,http://b:2\"\n", "test")));
        assertEquals(List.of("listenMetricsUrls: one URL only, got 'http://a:1,http://b:2'"), two.problems());
    }

    @Test
    void logLevelAndFormatTakeEtcdsNames() {
        String base = ONE_MEMBER;
        ServerConfig defaults = ConfigResolver.resolve(ConfigLoader.parse(base, "test"));
        assertEquals("info", defaults.logLevel());
        assertEquals("console", defaults.logFormat());
        ServerConfig json = ConfigResolver.resolve(ConfigLoader.parse(base + "logLevel: WARN\nlogFormat: json\n",
                "test"));
        assertEquals("warn", json.logLevel());
        assertEquals("json", json.logFormat());
        ConfigException bad = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse(
                base + "logLevel: loud\nlogFormat: xml\n", "test")));
        assertEquals(List.of("logLevel: must be one of debug, info, warn, error, panic, fatal, got 'loud'",
                "logFormat: must be one of console, json, got 'xml'"), bad.problems());
    }

    @Test
    void anUnknownFieldIsNamedWithTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("nodeId: n1\nclusterr: {}\n", "my.yaml"));
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).startsWith("clusterr: unknown field in my.yaml"), e.getMessage());
        assertTrue(e.problems().get(0).contains("cluster"), e.getMessage());
        ConfigException nested = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "cluster: {n1: {peer: \"a:1\", clent: \"a:2\"}}\n", "my.yaml"));
        assertTrue(nested.problems().get(0).startsWith("cluster.n1.clent: unknown field"), nested.getMessage());
    }

    @Test
    void aMissingNodeIdIsReported() {
        assertProblem(THREE_NODES.replace("nodeId: n2\n", ""),
                "nodeId: missing; set it in the config file or with --node-id");
    }

    @Test
    void aNodeIdOutsideTheClusterIsReported() {
        assertProblem(THREE_NODES.replace("nodeId: n2", "nodeId: n4"),
                "nodeId: 'n4' is not in cluster (members: n1, n2, n3)");
    }

    @Test
    void badAddressesAreReportedWithTheirField() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse(
                THREE_NODES.replace("127.0.0.1:2381", "127.0.0.1:port").replace("client: \"127.0.0.1:2579\"",
                        "client: \"127.0.0.1\""), "test")));
        assertEquals(List.of("cluster.n2.peer: '127.0.0.1:port' has a port that is not a number",
                "cluster.n3.client: '127.0.0.1' is not host:port"), e.problems());
        assertProblem(THREE_NODES.replace("127.0.0.1:2382", "127.0.0.1:70000"),
                "cluster.n3.peer: '127.0.0.1:70000': port 70000 is not between 0 and 65535");
        assertProblem(THREE_NODES.replace("127.0.0.1:2382", "127.0.0.1:2380"),
                "cluster.n3.peer: '127.0.0.1:2380' is already used by cluster.n1.peer");
    }

    @Test
    void anUnknownLogStoreListsTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse(
                THREE_NODES.replace("name: memory", "name: rocksdbx"), "test")));
        String problem = e.problems().get(0);
        assertTrue(problem.startsWith("logStore.name: unknown log store 'rocksdbx'; available: "), problem);
        assertTrue(problem.contains("memory"), problem);
    }

    @Test
    void anUnknownTransportListsTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse(
                THREE_NODES.replace("name: in-jvm", "name: carrier-pigeon"), "test")));
        assertTrue(e.problems().get(0).startsWith("transport.name: unknown transport 'carrier-pigeon'; available: "),
                e.getMessage());
    }

    @Test
    void engineOptionsAreChecked() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse(
                THREE_NODES.replace("preVote: true", "preVote: maybe\n  tickMilis: 5"), "test")));
        assertEquals("engine.preVote: 'maybe' is not true or false", e.problems().get(0));
        assertTrue(e.problems().get(1).startsWith("engine.tickMilis: unknown engine option; known: ["),
                e.getMessage());
        assertProblemStartsWith(THREE_NODES.replace("electionTimeoutMaxMillis: 400", "electionTimeoutMaxMillis: 100"),
                "engine: invalid Raft options: electionTimeoutMaxMillis (100) must be greater than");
    }

    @Test
    void peerAddressMustMatchTheClusterEntry() {
        assertProblem(THREE_NODES + "peerAddress: \"127.0.0.1:9999\"\n",
                "peerAddress: '127.0.0.1:9999' differs from cluster.n2.peer '127.0.0.1:2381'; the transport "
                        + "listens on the address the other members use");
    }

    @Test
    void allProblemsAreReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigResolver.resolve(ConfigLoader.parse("""
                cluster: {}
                logStore: {name: nope}
                transport: {name: in-jvm}
                maxRequestBytes: 0
                """, "test")));
        assertEquals(4, e.problems().size(), e.getMessage());
    }

    @Test
    void notYamlIsReported() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("nodeId: \"unclosed\n", "x"));
        assertTrue(e.getMessage().startsWith("x: not valid YAML"), e.getMessage());
        ConfigException typed = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("maxRequestBytes: lots\n", "x"));
        assertTrue(typed.getMessage().startsWith("maxRequestBytes: "), typed.getMessage());
    }

    @Test
    void aMissingFileIsReported() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Path.of("/nonexistent/flotilla.yaml")));
        assertEquals("config file /nonexistent/flotilla.yaml: does not exist", e.getMessage());
    }

    private static void assertProblem(String yaml, String expected) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigResolver.resolve(ConfigLoader.parse(yaml, "test")));
        assertEquals(List.of(expected), e.problems());
    }

    private static void assertProblemStartsWith(String yaml, String expected) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigResolver.resolve(ConfigLoader.parse(yaml, "test")));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith(expected), e.getMessage());
    }
}
