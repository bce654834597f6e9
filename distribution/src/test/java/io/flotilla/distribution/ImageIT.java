package io.flotilla.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the runtime image the build made, as a user would: unpacked from the tar.gz into a fresh directory, launched
 * with no JDK on the PATH and no JAVA_HOME. Runs at {@code integration-test} (maven-failsafe), after the image exists.
 * Everything listens on 127.0.0.1, on free ports; every process has a small heap and is stopped by the test.
 */
class ImageIT {

    private static final Pattern ALL_UP = Pattern.compile(
            "n1 (leader|follower), n2 (leader|follower), n3 (leader|follower)");
    private static final Set<String> DURABLE_STORES = Set.of("io.flotilla.raft.storage.rocksdb",
            "io.flotilla.raft.storage.lmdb");

    @TempDir
    static Path unpacked;

    private static Path image;
    private static List<String> modules;

    @BeforeAll
    static void unpackTheTarball() throws Exception {
        Path tarball = Path.of(System.getProperty("flotilla.image.tarball"));
        assertTrue(Files.isRegularFile(tarball), "the build makes " + tarball);
        Result tar = run(List.of("tar", "-xzf", tarball.toString(), "-C", unpacked.toString()), Map.of(), 120);
        assertEquals(0, tar.exit, tar.output);
        try (Stream<Path> dirs = Files.list(unpacked)) {
            image = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        Result list = run(List.of(image.resolve("bin/java").toString(), "--list-modules"), Map.of(), 60);
        assertEquals(0, list.exit, list.output);
        modules = list.output.lines().map(l -> l.replaceFirst("@.*", "").trim()).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void linksTheFlotillaModulesAndTheirLibrariesAsModules() throws IOException {
        for (String module : List.of("io.flotilla.raft.api", "io.flotilla.raft.core",
                "io.flotilla.raft.transport.grpc", "io.flotilla.raft.storage.memory", "io.flotilla.kv.service",
                "io.flotilla.distribution",
                // automatic modules on a module path, linked here with the descriptors moditect added
                "io.grpc", "io.grpc.internal", "io.grpc.stub", "io.grpc.protobuf", "io.grpc.netty.shaded",
                "com.google.protobuf", "com.google.common", "io.perfmark",
                // explicit modules as published
                "com.google.common.util.concurrent.internal", "com.fasterxml.jackson.databind",
                "org.yaml.snakeyaml", "info.picocli", "org.slf4j", "ch.qos.logback.classic", "ch.qos.logback.core",
                "java.base", "java.logging", "jdk.unsupported")) {
            assertTrue(modules.contains(module), module + " is missing from " + modules);
        }
        // Every Flotilla module the distribution depends on (the log stores, when they are added) is in the image.
        try (Stream<Path> jars = Files.list(Path.of(System.getProperty("flotilla.image.flotilla-modules")))) {
            for (String jar : jars.map(p -> p.getFileName().toString()).toList()) {
                String module = "io.flotilla." + jar.replaceFirst("\\.jar$", "");
                assertTrue(modules.contains(module), module + " (" + jar + ") is missing from " + modules);
            }
        }
        if (modules.contains("io.flotilla.raft.storage.rocksdb")) {
            assertTrue(modules.contains("rocksdbjni"), "rocksdbjni is missing from " + modules);
        }
        if (modules.contains("io.flotilla.raft.storage.lmdb")) {
            assertTrue(modules.containsAll(List.of("lmdbjava", "lmdbjava.natives", "org.jnrproject.ffi")),
                    "lmdbjava's modules are missing from " + modules);
        }
        // The descriptors are the edited ones: grpc-api declares the providers it loads.
        Result grpc = run(List.of(image.resolve("bin/java").toString(), "--describe-module", "io.grpc"), Map.of(), 60);
        assertTrue(grpc.output.contains("uses io.grpc.ManagedChannelProvider"), grpc.output);
        // No compiler or tools: only what the application needs.
        assertFalse(modules.contains("jdk.compiler") || modules.contains("java.desktop"), modules.toString());
    }

    @Test
    void leavesOutTheNativeLibrariesOfOtherPlatforms() {
        Path jimage = Path.of(System.getProperty("java.home"), "bin", "jimage");
        assumeTrue(Files.isExecutable(jimage), "needs the JDK's jimage to list the image's resources");
        Result list = run(List.of(jimage.toString(), "list", image.resolve("lib/modules").toString()), Map.of(), 120);
        assertEquals(0, list.exit, list.output);
        List<String> natives = list.output.lines().map(String::trim)
                .filter(l -> l.endsWith(".so") || l.endsWith(".dll") || l.endsWith(".jnilib") || l.endsWith(".dylib")
                        || l.endsWith(".a"))
                .toList();
        assertFalse(natives.isEmpty(), "netty's epoll library is expected:\n" + list.output);
        boolean arm = System.getProperty("os.arch").equals("aarch64");
        for (String lib : natives) {
            String name = lib.toLowerCase(Locale.ROOT);
            assertFalse(name.endsWith(".dll") || name.endsWith(".jnilib") || name.contains("osx")
                    || name.contains("macos") || name.contains("darwin") || name.contains("musl"), lib);
            assertTrue(arm ? name.contains("aarch") : name.contains("x86_64") || name.contains("linux64"), lib);
        }
        if (modules.contains("rocksdbjni")) {
            // RocksDB's library is in lib/ (found by System.loadLibrary), not in the jimage (copied to /tmp at start).
            assertTrue(natives.stream().noneMatch(n -> n.contains("rocksdb")), natives.toString());
            assertTrue(Files.isRegularFile(image.resolve(arm ? "lib/librocksdbjni-linux-aarch64.so"
                    : "lib/librocksdbjni-linux64.so")), "RocksDB's library is in lib/");
        }
    }

    @Test
    void theLauncherNeedsNoJdk() throws IOException {
        Map<String, String> noJdk = Map.of("PATH", "", "JAVA_HOME", "");
        Result help = flotilla(noJdk, "--help");
        assertEquals(0, help.exit, help.output);
        for (String command : List.of("server", "demo", "get", "put", "del", "txn", "status")) {
            assertTrue(Pattern.compile("(?m)^  " + command + " ").matcher(help.output).find(),
                    command + " is not listed:\n" + help.output);
        }
        Result server = flotilla(noJdk, "server", "--help");
        assertEquals(0, server.exit, server.output);
        assertTrue(server.output.contains("--config"), server.output);
        Result version = flotilla(noJdk, "--version");
        assertEquals(0, version.exit, version.output);
        assertTrue(version.output.contains("flotilla 0."), version.output);
        assertTrue(version.output.contains(image.toRealPath().toString()), "runs on the image's own java: "
                + version.output);
        Result noCommand = flotilla(noJdk);
        assertEquals(2, noCommand.exit, noCommand.output);
    }

    @Test
    void theDemoElectsALeaderServesAPutAndAGetAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        int[] ports = freePorts(9);
        Background demo = demo(dir.resolve("data"), ports);
        try {
            demo.awaitLine(ALL_UP, 120);
            List<ProcessHandle> members = demo.members();
            assertEquals(3, members.size(), "three member processes: " + members);
            String endpoints = endpoints(ports);
            Result put = client("--endpoints", endpoints, "put", "greeting", "hello");
            assertEquals("OK", put.output.strip(), put.output);
            Result get = client("--endpoints", endpoints, "get", "greeting");
            assertEquals(List.of("greeting", "hello"), get.output.lines().toList(), get.output);
            // Watch, Lease and Lock through the image's own CLI: the services and their protocol classes are linked.
            String grant = client("--endpoints", endpoints, "lease", "grant", "60").output;
            String lease = grant.split(" ")[1];
            client("--endpoints", endpoints, "put", "svc/a", "up", "--lease", lease);
            Result watched = client("--endpoints", endpoints, "watch", "svc/", "--prefix", "--rev", "1",
                    "--max-events", "1");
            assertEquals(List.of("PUT", "svc/a", "up"), watched.output.lines().toList(), watched.output);
            Result ttl = client("--endpoints", endpoints, "lease", "timetolive", lease, "--keys");
            assertTrue(ttl.output.strip().endsWith("attached keys([svc/a])"), ttl.output);
            Result locked = client("--endpoints", endpoints, "lock", "image-lock", "--", "true");
            assertTrue(locked.output.startsWith("image-lock/"), locked.output);
            client("--endpoints", endpoints, "lease", "revoke", lease);
            // Operations: the HTTP endpoints (the metrics library and the JDK's HTTP server are linked) and
            // move-leader through the image's CLI.
            String health = httpGet(ports[6], "/health");
            assertEquals("{\"health\":\"true\",\"reason\":\"\"}", health);
            String metrics = httpGet(ports[6], "/metrics"); // n1's: the CLI sends to the first endpoint it reaches
            assertTrue(metrics.contains("\netcd_server_has_leader 1.0\n"), metrics);
            assertTrue(metrics.contains("\njvm_memory_used_bytes{area=\"heap\"}"), metrics);
            assertTrue(metrics.contains("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\""), metrics);
            Result moved = client("--endpoints", endpoints, "move-leader", "n2");
            assertEquals(0, moved.exit, moved.output);
            assertTrue(moved.output.startsWith("Leadership transferred from "), moved.output);

            demo.terminate();
            assertTrue(demo.awaitExit(60), "the demo stops; output:\n" + demo.output());
            for (String member : List.of("n1", "n2", "n3")) {
                assertTrue(demo.output().contains(member + " stopped (exit code"),
                        "exit " + demo.process.exitValue() + ", output:\n" + demo.output());
            }
            for (ProcessHandle member : members) {
                member.onExit().get(10, TimeUnit.SECONDS);
                assertFalse(member.isAlive(), "member " + member.pid() + " still runs");
            }
        } finally {
            demo.kill();
        }
    }

    @Test
    void theDemoKeepsTheDataAcrossRestarts(@TempDir Path dir) throws Exception {
        assumeTrue(modules.stream().anyMatch(DURABLE_STORES::contains),
                "the image has no durable log store yet (rocksdb or lmdb): the memory store keeps nothing");
        int[] ports = freePorts(9);
        String endpoints = endpoints(ports);
        Background first = demo(dir.resolve("data"), ports);
        try {
            first.awaitLine(ALL_UP, 120);
            client("--endpoints", endpoints, "put", "kept", "yes");
            first.terminate();
            assertTrue(first.awaitExit(60), first.output());
        } finally {
            first.kill();
        }
        Background second = demo(dir.resolve("data"), ports);
        try {
            assertTrue(second.awaitLine(Pattern.compile("data of an earlier run found"), 30).contains("Data:"));
            second.awaitLine(ALL_UP, 120);
            Result get = client("--endpoints", endpoints, "get", "kept");
            assertEquals(List.of("kept", "yes"), get.output.lines().toList(), get.output);
        } finally {
            second.terminate();
            second.awaitExit(60);
            second.kill();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "lmdb"})
    void eachDurableLogStoreRunsInTheImageAndKeepsItsData(String store, @TempDir Path dir) throws Exception {
        assumeTrue(modules.contains("io.flotilla.raft.storage." + store), "the image has no " + store + " store");
        int[] ports = freePorts(2);
        String endpoint = "127.0.0.1:" + ports[0];
        String[] server = {"server", "--node-id", "n1", "--member", "n1=127.0.0.1:" + ports[1] + "/" + endpoint,
            "--data-dir", dir.resolve("n1").toString(), "--log-store", store};
        for (int run = 1; run <= 2; run++) {
            Background member = Background.start(server);
            try {
                member.awaitLine(Pattern.compile("serves clients"), 60);
                if (run == 1) {
                    client("--endpoints", endpoint, "put", "store", store);
                } else {
                    Result get = client("--endpoints", endpoint, "get", "store");
                    assertEquals(List.of("store", store), get.output.lines().toList(), get.output);
                }
                member.terminate();
                assertTrue(member.awaitExit(60), member.output());
                assertTrue(member.output().contains("member n1 stopped"), member.output());
                // One log format: the engine's and the transport's System.Logger lines go through slf4j, as
                // kv.service's own do (java.util.logging would print them as "INFO: ..." under a date line).
                assertTrue(member.output().contains("INFO GrpcTransport - n1: grpc transport listening"),
                        member.output());
                assertFalse(Pattern.compile("(?m)^(INFO|WARNING|SEVERE): ").matcher(member.output()).find(),
                        member.output());
            } finally {
                member.kill();
            }
        }
    }

    /**
     * Runs a client command until it succeeds, at most 5 times: right after an election a request may meet a leader
     * change, which the client reports (exit 1) and which a retry gets past.
     */
    private static Result client(String... args) throws InterruptedException {
        Result result = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            result = flotilla(Map.of(), args);
            if (result.exit == 0) {
                return result;
            }
            System.out.println(String.join(" ", args) + ": attempt " + attempt + " failed: " + result.output);
            Thread.sleep(1000);
        }
        fail(String.join(" ", args) + " failed 5 times: " + result.output);
        return result;
    }

    private static String endpoints(int[] ports) {
        return "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
    }

    private static Result flotilla(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(image.resolve("bin/flotilla").toString()));
        command.addAll(Arrays.asList(args));
        return run(command, env, 60);
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                sockets.add(socket);
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private static ProcessBuilder builder(List<String> command, Map<String, String> env) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JAVA_HOME");
        builder.environment().put("FLOTILLA_OPTS", "-Xmx128m");
        builder.environment().putAll(env);
        return builder;
    }

    private static Result run(List<String> command, Map<String, String> env, long timeoutSeconds) {
        try {
            Process process = builder(command, env).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not end within " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record Result(int exit, String output) {
    }

    /** The body of a GET on a member's HTTP port. */
    private static String httpGet(int port, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(10_000);
        assertEquals(200, c.getResponseCode(), path);
        try (var in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** {@code flotilla demo} on these ports (three client ports, three peer ports, three HTTP ports). */
    private static Background demo(Path dataDir, int[] ports) throws IOException {
        return Background.start("demo", "--data-dir", dataDir.toString(),
                "--client-ports", ports[0] + "," + ports[1] + "," + ports[2],
                "--peer-ports", ports[3] + "," + ports[4] + "," + ports[5],
                "--metrics-ports", ports[6] + "," + ports[7] + "," + ports[8],
                "--member-heap", "256m");
    }

    /** A {@code flotilla} command running in the background, its output collected line by line. */
    private static final class Background {
        final Process process;
        private final List<String> lines = new ArrayList<>();
        private final Thread reader;

        private Background(Process process) {
            this.process = process;
            reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        System.out.println(process.pid() + "| " + line);
                        synchronized (lines) {
                            lines.add(line);
                            lines.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "output-of-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static Background start(String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(image.resolve("bin/flotilla").toString()));
            command.addAll(Arrays.asList(args));
            Process process = builder(command, Map.of()).start();
            process.getOutputStream().close();
            return new Background(process);
        }

        /** Waits for a line of output that matches; returns it. Fails at the deadline, or soon after an exit. */
        String awaitLine(Pattern pattern, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            Long exitedAt = null;
            synchronized (lines) {
                while (true) {
                    for (String line : lines) {
                        if (pattern.matcher(line).find()) {
                            return line;
                        }
                    }
                    long now = System.nanoTime();
                    if (exitedAt == null && !process.isAlive()) {
                        exitedAt = now; // give the reader a moment to drain the last lines
                    }
                    if (now > deadline || exitedAt != null && now - exitedAt > TimeUnit.SECONDS.toNanos(1)) {
                        fail("no line matching '" + pattern + "' within " + seconds + " s (process "
                                + (process.isAlive() ? "running" : "exited with " + process.exitValue()) + "):\n"
                                + String.join("\n", lines));
                    }
                    lines.wait(200);
                }
            }
        }

        /** Sends SIGTERM (what Ctrl-C's SIGINT also does): through the handle, as Process.destroy() closes the pipes. */
        void terminate() {
            process.toHandle().destroy();
        }

        /** Waits for the demo to end and its output to be read; returns whether it ended. */
        boolean awaitExit(long seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                return false;
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            return true;
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        /** The {@code flotilla server} processes it started (the demo's members). */
        List<ProcessHandle> members() {
            return process.descendants()
                    .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains("server")).orElse(false))
                    .collect(Collectors.toList());
        }

        /** Cleanup: nothing the test started survives it. */
        void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
