package com.example.flotilla.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin in a running cluster: three server processes of the image this build linked (Flotilla's image with this
 * module added), each configured with {@code logStore: {name: journal}}, on 127.0.0.1 and free ports, talked to with
 * the image's own client. Every process has a small heap, and the test stops every one it started.
 */
class JournalClusterIT {

    private static final Path IMAGE = Path.of(System.getProperty("journal.image.dir"));
    private static final List<String> IDS = List.of("n1", "n2", "n3");
    private static final Pattern STATUS = Pattern.compile("leader=(true|false), term=(\\d+), index=(\\d+)");

    @TempDir
    Path dir;

    private final Map<String, Member> members = new TreeMap<>();
    private final long started = System.nanoTime();
    private int[] clientPorts;

    @Test
    void theImageHoldsThePluginAsAModuleThatProvidesALogStore() {
        Result list = run(List.of(java(), "--list-modules"));
        assertTrue(list.output.lines().anyMatch(l -> l.startsWith("com.example.flotilla.journal@")), list.output);
        Result describe = run(List.of(java(), "--describe-module", "com.example.flotilla.journal"));
        assertTrue(describe.output.contains("provides io.flotilla.raft.api.spi.LogStoreProvider with"
                + " com.example.flotilla.journal.JournalLogStoreProvider"), describe.output);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aClusterOnTheJournalStoreServesAndKeepsItsDataThroughSigkill() throws Exception {
        int[] ports = freePorts(6);
        clientPorts = new int[] {ports[0], ports[1], ports[2]};
        for (int i = 0; i < IDS.size(); i++) {
            writeConfig(IDS.get(i), ports);
        }
        IDS.forEach(this::start);
        IDS.forEach(id -> members.get(id).awaitServing());
        awaitSettled(IDS);
        progress("3 members on the journal store have elected a leader");
        put("before", "the kill");
        for (String id : IDS) {
            assertEquals("the kill", get(id, "before"), "read through " + id);
            assertEquals(Set.of("journal", "lock"), filesIn(dataDir(id).resolve("log")),
                    id + " keeps its log in the journal store, and in nothing else");
            assertTrue(members.get(id).log().contains("logStore=journal"), members.get(id).log());
        }

        // One member dies mid-flight; the other two still form a majority and take a write without it.
        members.get("n1").kill();
        progress("n1 killed with SIGKILL");
        awaitSettled(List.of("n2", "n3"));
        put("while n1", "was down");
        start("n1");
        members.get("n1").awaitServing();
        awaitSettled(IDS);
        assertEquals("was down", get("n1", "while n1"), "n1 rejoined and caught up");
        progress("n1 restarted and caught up");

        // Every member dies at once: the keys can only come back from the three journals on disk.
        IDS.forEach(id -> members.get(id).kill());
        progress("all members killed with SIGKILL");
        IDS.forEach(this::start);
        IDS.forEach(id -> members.get(id).awaitServing());
        awaitSettled(IDS);
        progress("all members restarted and settled");
        for (String id : IDS) {
            assertEquals("the kill", get(id, "before"), "read through " + id + " after all were killed");
            assertEquals("was down", get(id, "while n1"), "read through " + id + " after all were killed");
        }

        IDS.forEach(id -> members.get(id).terminate());
        for (String id : IDS) {
            Member member = members.get(id);
            member.awaitStopped();
            assertTrue(member.log().contains("member " + id + " stopped"), member.log());
        }
        progress("every key read back through every member; all stopped by SIGTERM");
    }

    /** Prints how far the test got, and when: a run shows what it did, a failure where it stopped. */
    private void progress(String what) {
        System.out.printf("journal cluster +%.1f s: %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    @AfterEach
    void stopEverything() {
        members.values().forEach(Member::kill);
    }

    private void writeConfig(String id, int[] ports) {
        StringBuilder yaml = new StringBuilder("nodeId: " + id + "\ndataDir: " + dataDir(id) + "\ncluster:\n");
        for (int i = 0; i < IDS.size(); i++) {
            yaml.append("  ").append(IDS.get(i)).append(": {peer: \"127.0.0.1:").append(ports[3 + i])
                    .append("\", client: \"127.0.0.1:").append(ports[i]).append("\"}\n");
        }
        yaml.append("logStore:\n  name: journal\n  options: {sync: true}\n");
        write(dir.resolve(id + ".yaml"), yaml.toString());
    }

    private void start(String id) {
        int run = members.containsKey(id) ? members.get(id).run + 1 : 1;
        members.put(id, Member.start(id, run, dir));
    }

    /**
     * Waits until the members have settled: all answer their status, exactly one leads, all are in its term and
     * every one has learned its commit index (so each knows the leader and has what was committed). This waits for
     * an election and catch-up to finish, it does not retry a failed check: the requests that follow need a settled
     * cluster, or a member would rightly answer "no leader".
     */
    private void awaitSettled(List<String> ids) throws InterruptedException {
        List<String> command = client(endpointsOf(ids), "status");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Result status;
        do {
            status = run(command);
            if (status.exit == 0 && settled(status.output, ids.size())) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        fail(ids + " did not settle within 60 s; last status:\n" + status.output);
    }

    /** Reads {@code flotilla status} lines: {@code ..., leader=true, term=2, index=5, applied=5, ...}. */
    private static boolean settled(String status, int members) {
        List<Matcher> lines = status.lines().map(STATUS::matcher).filter(Matcher::find).toList();
        List<Matcher> leaders = lines.stream().filter(m -> m.group(1).equals("true")).toList();
        if (lines.size() != members || leaders.size() != 1) {
            return false;
        }
        String term = leaders.get(0).group(2);
        long commit = Long.parseLong(leaders.get(0).group(3));
        return lines.stream().allMatch(m -> m.group(2).equals(term) && Long.parseLong(m.group(3)) >= commit);
    }

    private void put(String key, String value) {
        Result put = run(client(endpointsOf(IDS), "put", key, value));
        assertEquals("OK", put.output.strip(), "put " + key + ": " + put.output);
    }

    /** A linearizable read through one member only. */
    private String get(String id, String key) {
        Result get = run(client(endpointsOf(List.of(id)), "get", key));
        assertEquals(0, get.exit, "get " + key + " through " + id + ": " + get.output);
        List<String> lines = get.output.lines().toList();
        assertEquals(key, lines.get(0), get.output);
        return String.join("\n", lines.subList(1, lines.size()));
    }

    private String endpointsOf(List<String> ids) {
        return ids.stream().map(id -> "127.0.0.1:" + clientPorts[IDS.indexOf(id)]).collect(Collectors.joining(","));
    }

    private Path dataDir(String id) {
        return dir.resolve(id);
    }

    private static List<String> client(String endpoints, String... args) {
        List<String> command = new ArrayList<>(List.of(IMAGE.resolve("bin/flotilla").toString(),
                "--endpoints", endpoints));
        command.addAll(List.of(args));
        return command;
    }

    private static String java() {
        return IMAGE.resolve("bin/java").toString();
    }

    private static Set<String> filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
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

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command of the image to its end (at most 60 s), with a small heap. */
    private static Result run(List<String> command) {
        try {
            Process process = builder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not end within 60 s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static ProcessBuilder builder(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("JAVA_HOME");
        builder.environment().put("FLOTILLA_OPTS", "-Xmx128m -XX:+UseSerialGC");
        return builder;
    }

    private record Result(int exit, String output) {
    }

    /** One run of a member: {@code flotilla server --config <id>.yaml}, its output in {@code <id>-<run>.log}. */
    private static final class Member {
        final String id;
        final int run;
        final Process process;
        final Path log;

        private Member(String id, int run, Process process, Path log) {
            this.id = id;
            this.run = run;
            this.process = process;
            this.log = log;
        }

        static Member start(String id, int run, Path dir) {
            Path log = dir.resolve(id + "-" + run + ".log");
            List<String> command = List.of(IMAGE.resolve("bin/flotilla").toString(), "server", "--config",
                    dir.resolve(id + ".yaml").toString());
            ProcessBuilder builder = builder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("FLOTILLA_OPTS", "-Xmx192m -XX:+UseSerialGC");
            try {
                return new Member(id, run, builder.start(), log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Waits for the line a member logs once it accepts clients; fails at once if the process ends instead. */
        void awaitServing() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!log().contains("member " + id + " serves clients")) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    fail(id + " (run " + run + ") does not serve clients"
                            + (process.isAlive() ? " after 60 s" : ", it exited with " + process.exitValue())
                            + ":\n" + log());
                }
                sleep(100);
            }
        }

        /** SIGKILL: no shutdown hook, no close(); what the store acknowledged must be on disk already. */
        void kill() {
            process.destroyForcibly();
            await(30);
        }

        /** SIGTERM, as an operator stops a member. */
        void terminate() {
            process.destroy();
        }

        /** Waits for a member sent SIGTERM to stop; fails if it does not within 30 s. */
        void awaitStopped() {
            assertTrue(await(30), id + " did not stop within 30 s of SIGTERM:\n" + log());
        }

        String log() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private boolean await(long seconds) {
            try {
                return process.waitFor(seconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
