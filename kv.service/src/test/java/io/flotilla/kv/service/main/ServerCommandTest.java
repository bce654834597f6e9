package io.flotilla.kv.service.main;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.config.ConfigFile;
import io.flotilla.kv.service.config.ConfigLoader;
import io.flotilla.kv.service.config.ConfigResolver;
import io.flotilla.kv.service.config.ServerConfig;
import io.flotilla.kv.service.node.BackendSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Flags override the configuration file; bad configurations end the command with exit code 2 and a message. */
class ServerCommandTest {

    @TempDir
    Path dir;

    @Test
    void flagsOverrideTheFile() {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs("--node-id", "n3", "--data-dir", "/data/n3",
                "--member", "n3=127.0.0.1:3380/127.0.0.1:3379", "--log-store", "memory",
                "--engine-option", "heartbeatIntervalMillis=20", "--log-store-option", "sync=false",
                "--client-address", "0.0.0.0:3379");
        ConfigFile file = ConfigLoader.parse("""
                nodeId: n1
                cluster:
                  n1: {peer: "127.0.0.1:2380", client: "127.0.0.1:2379"}
                  n3: {peer: "127.0.0.1:9999", client: "127.0.0.1:9998"}
                logStore: {name: rocksdbx, options: {sync: true}}
                transport: {name: in-jvm}
                engine: {heartbeatIntervalMillis: 50}
                """, "test");
        ServerConfig config = ConfigResolver.resolve(command.withOverrides(file));
        assertEquals("n3", config.settings().self().value());
        assertEquals(Path.of("/data/n3"), config.settings().dataDirectory());
        assertEquals("127.0.0.1:3380", config.settings().selfMember().peerAddress().toString());
        assertEquals("0.0.0.0:3379", config.clientListenAddress().toString());
        assertEquals("memory", config.settings().raftOptions().logStore());
        assertEquals(20, config.settings().raftOptions().heartbeatIntervalMillis());
        assertEquals("false", config.settings().logStoreOptions().get("sync"));
        assertEquals(2, config.settings().members().size());
    }

    @Test
    void backendFlagsOverrideTheFile() {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs("--backend", "memory", "--backend-option", "x=1",
                "--quota-backend-bytes", "16m", "--auto-compaction-mode", "revision",
                "--auto-compaction-retention", "1000");
        ConfigFile file = ConfigLoader.parse("""
                nodeId: n1
                cluster:
                  n1: {peer: "127.0.0.1:2380", client: "127.0.0.1:2379"}
                logStore: {name: memory}
                backend: {name: rocksdb, options: {y: "2"}}
                quotaBackendBytes: 1g
                autoCompactionMode: periodic
                autoCompactionRetention: 1h
                """, "test");
        ServerConfig config = ConfigResolver.resolve(command.withOverrides(file));
        BackendSettings backend = config.settings().backend();
        assertEquals("memory", backend.name());
        assertEquals(java.util.Map.of("x", "1", "y", "2"), backend.options());
        assertEquals(16L << 20, backend.effectiveQuotaBytes());
        assertEquals("revision", backend.autoCompactionMode());
        assertEquals("1000", backend.autoCompactionRetention());

        ServerConfig fromFile = ConfigResolver.resolve(new ServerCommand().withOverrides(ConfigLoader.parse("""
                nodeId: n1
                cluster:
                  n1: {peer: "127.0.0.1:2380", client: "127.0.0.1:2379"}
                logStore: {name: memory}
                quotaBackendBytes: 1g
                autoCompactionMode: periodic
                autoCompactionRetention: 1h
                """, "test")));
        assertEquals(1L << 30, fromFile.settings().backend().effectiveQuotaBytes());
        assertEquals("rocksdb", fromFile.settings().backend().name());
        assertEquals("1h", fromFile.settings().backend().autoCompactionRetention());
    }

    @Test
    void badBackendSettingsNameTheirFields() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServerCommand()).setErr(new PrintWriter(err));
        int code = cli.execute("--node-id", "n1", "--member", "n1=127.0.0.1:2380/127.0.0.1:2379",
                "--log-store", "memory", "--backend", "bbolt", "--quota-backend-bytes", "2x",
                "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "soon");
        assertEquals(ServerCommand.INVALID_CONFIG, code);
        String text = err.toString();
        assertTrue(text.contains("  backend.name: unknown backend 'bbolt'; available: "), text);
        assertTrue(text.contains("  quotaBackendBytes: must be a whole number of bytes (optionally with k, m or g), "
                + "got '2x'"), text);
        assertTrue(text.contains("  autoCompactionRetention: with autoCompactionMode 'periodic' it must be a duration "
                + "such as 1h, 30m or 90s, or a whole number of hours, got 'soon'"), text);
    }

    @Test
    void anInvalidConfigurationExitsWithTwoAndNamesTheFields() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                cluster:
                  n1: {peer: "127.0.0.1:2380", client: "127.0.0.1:2379"}
                logStore: {name: rocksdbx}
                """);
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServerCommand()).setErr(new PrintWriter(err));
        int code = cli.execute("--config", file.toString());
        assertEquals(ServerCommand.INVALID_CONFIG, code);
        String text = err.toString();
        assertTrue(text.startsWith("flotilla-server: invalid configuration:"), text);
        assertTrue(text.contains("  nodeId: missing; set it in the config file or with --node-id"), text);
        assertTrue(text.contains("  logStore.name: unknown log store 'rocksdbx'; available: "), text);
        assertTrue(!text.contains("\tat "), "no stack trace: " + text);
    }

    @Test
    void aMalformedMemberFlagIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServerCommand()).setErr(new PrintWriter(err));
        int code = cli.execute("--node-id", "n1", "--member", "n1:127.0.0.1:2380");
        assertEquals(2, code);
        assertTrue(err.toString().contains("--member 'n1:127.0.0.1:2380': expected ID=PEER_HOST:PORT/CLIENT_HOST:PORT"),
                err.toString());
    }
}
