package io.flotilla.distribution;

import io.flotilla.raft.api.spi.Plugins;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla demo}: a cluster of 1, 3, 5 or 7 members on 127.0.0.1 (three by default), each a
 * {@code flotilla server} process started with this runtime's own {@code bin/java} and serving /health, /version and
 * /metrics on an HTTP port of its own, and a line each time a member's role changes, until Ctrl-C (or SIGTERM) stops
 * them all.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Starts a local cluster of three members (or --members 1, 5, 7) on 127.0.0.1, each a server "
                + "process of this image, prints each member's role whenever it changes, and stops them all on Ctrl-C.",
            "Member n1 serves clients on 127.0.0.1:2379, etcd's default, so etcdctl needs no flags. Started again on "
                + "the same --data-dir, the members recover their data (with a durable log store)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped by Ctrl-C or SIGTERM", "1:a member could not start", "2:invalid usage"})
final class DemoCommand implements Callable<Integer> {

    private static final String HOST = "127.0.0.1";
    private static final List<String> DURABLE_STORES = List.of("rocksdb", "lmdb");
    /** Cluster sizes offered: odd, so every size tolerates (size - 1) / 2 failures. */
    private static final List<Integer> SIZES = List.of(1, 3, 5, 7);
    /** Default client ports by member; the peer port is one more, the HTTP (metrics) port two more, as etcd's. */
    private static final List<Integer> CLIENT_PORTS = List.of(2379, 22379, 32379, 42379, 52379, 62379, 12379);
    private static final long POLL_MILLIS = 1000;
    private static final long STOP_WAIT_MILLIS = 20_000;
    /** A JVM's exit code when SIGTERM stopped it. */
    private static final int SIGTERM_EXIT = 143;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    /** The demo's members compact their history on their own, as etcd's auto-compaction: keep five minutes. */
    static final String AUTO_COMPACTION_MODE = "periodic";
    static final String AUTO_COMPACTION_RETENTION = "5m";

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "flotilla-demo-data",
            description = "Where the members keep their data, configuration files and logs "
                    + "(default: ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--store", paramLabel = "NAME",
            description = "Log store: memory, rocksdb or lmdb (default: rocksdb if this image has it, else lmdb, "
                    + "else memory).")
    private String store;

    @Option(names = "--members", paramLabel = "N", defaultValue = "3",
            description = "How many members: 1, 3, 5 or 7 (default: ${DEFAULT-VALUE}).")
    private int memberCount;

    @Option(names = "--client-ports", paramLabel = "P1,P2,...", split = ",", hideParamSyntax = true,
            description = "Client (etcd API) ports of n1, n2, ... (default: 2379,22379,32379,42379,52379,62379,12379,"
                    + " as many as members).")
    private List<Integer> clientPorts;

    @Option(names = "--peer-ports", paramLabel = "P1,P2,...", split = ",", hideParamSyntax = true,
            description = "Raft (peer) ports of n1, n2, ... (default: each client port + 1).")
    private List<Integer> peerPorts;

    @Option(names = "--metrics-ports", paramLabel = "P1,P2,...", split = ",", hideParamSyntax = true,
            description = "HTTP ports for /health, /version and /metrics of n1, n2, ... (default: each client port "
                    + "+ 2, so n1's is etcd's 2381).")
    private List<Integer> metricsPorts;

    @Option(names = "--member-heap", paramLabel = "SIZE", defaultValue = "256m",
            description = "Largest heap of each member, as for -Xmx (default: ${DEFAULT-VALUE}).")
    private String heap;

    private final List<Member> members = new ArrayList<>();
    private volatile boolean stopping;
    private boolean durable;
    private boolean hintsShown;

    /** Creates the command; picocli fills the fields. */
    DemoCommand() {
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (KvService.module().isEmpty()) {
            err.println("flotilla demo: not available in this build: the runtime image has no module "
                    + KvService.MODULE + ", whose server the members run");
            err.flush();
            return 2;
        }
        String problem = checkOptions();
        if (problem != null) {
            err.println("flotilla demo: " + problem);
            err.flush();
            return 2;
        }
        List<String> available = Plugins.logStoreNames();
        String chosen = store != null ? store
                : DURABLE_STORES.stream().filter(available::contains).findFirst().orElse("memory");
        if (!available.contains(chosen)) {
            err.println("flotilla demo: this image has no log store '" + chosen + "'; it has: "
                    + String.join(", ", available));
            err.flush();
            return 2;
        }
        Path dir = dataDir.toAbsolutePath().normalize();
        boolean earlierRun = Files.isDirectory(dir.resolve("n1"));
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < memberCount; i++) {
                members.add(new Member("n" + (i + 1), clientPorts.get(i), peerPorts.get(i), metricsPorts.get(i),
                        dir));
            }
            for (Member m : members) {
                m.writeConfig(members, chosen);
            }
        } catch (IOException e) {
            err.println("flotilla demo: cannot write to " + dir + ": " + e.getMessage());
            err.flush();
            return 1;
        }

        out.println("Flotilla demo: " + memberCount + (memberCount == 1 ? " member" : " members") + " on " + HOST
                + ", log store " + chosen + ".");
        out.println("Data: " + dir + (earlierRun ? " (data of an earlier run found: the members recover it)" : ""));
        durable = DURABLE_STORES.contains(chosen);
        if (durable) {
            out.println("      Start the demo again with the same --data-dir and the keys are still there.");
        } else {
            out.println("      The " + chosen + " store is not durable: the data is lost when the demo stops"
                    + (store == null ? " (this image has no rocksdb or lmdb store)." : "."));
        }

        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(out), "flotilla-demo-stop"));
        for (Member m : members) {
            try {
                m.start(heap);
            } catch (IOException e) {
                err.println("flotilla demo: cannot start " + m.id + ": " + e.getMessage());
                err.flush();
                return 1;
            }
            out.printf("  %s  pid %-7d client %s:%d  peer %s:%d  http://%s:%d/metrics  config %s  log %s%n", m.id,
                    m.process.pid(), HOST, m.clientPort, HOST, m.peerPort, HOST, m.metricsPort,
                    m.config.getFileName(), m.log.getFileName());
        }
        out.println("Waiting for a leader... (Ctrl-C stops the members)");
        out.flush();
        return watch(out);
    }

    /** Polls the members until the JVM is stopped; returns 1 if a member dies before the first leader. */
    private int watch(PrintWriter out) throws InterruptedException {
        String shown = null;
        boolean leaderSeen = false;
        long start = System.nanoTime();
        boolean slowWarned = false;
        while (!stopping) {
            StringJoiner line = new StringJoiner(", ");
            Member leader = null;
            long term = 0;
            int alive = 0;
            for (Member m : members) {
                if (!m.process.isAlive()) {
                    if (!m.exitReported && !stopping) {
                        m.exitReported = true;
                        int code = m.process.exitValue();
                        out.println(m.id + " stopped with exit code " + code + (code == SIGTERM_EXIT ? " (SIGTERM)"
                                : "; the end of " + m.log + ":"));
                        if (code != SIGTERM_EXIT) {
                            m.logTail(15).forEach(l -> out.println("    " + l));
                        }
                        if (!leaderSeen) {
                            out.println("A member failed before the cluster came up; stopping the others.");
                            out.flush();
                            return 1;
                        }
                    }
                    line.add(m.id + " stopped");
                    continue;
                }
                alive++;
                MemberStatus status = m.status();
                if (status == null) {
                    line.add(m.id + (m.answered ? " not answering" : " starting"));
                } else {
                    line.add(m.id + " " + status.role());
                    term = Math.max(term, status.raftTerm());
                    if (status.role().equals("leader")) {
                        leader = m;
                        leaderSeen = true;
                    }
                }
            }
            if (stopping) {
                break;
            }
            if (alive == 0) {
                out.println("Every member has stopped.");
                out.flush();
                return 1;
            }
            String now = line + (term > 0 ? " (term " + term + ")" : "");
            if (!now.equals(shown)) {
                out.println("[" + LocalTime.now().format(CLOCK) + "] " + now);
                shown = now;
                if (leaderSeen) {
                    printHints(out, leader);
                }
            }
            if (!leaderSeen && !slowWarned && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(60)) {
                slowWarned = true;
                out.println("Still no leader after 60 s; see the members' logs in " + members.get(0).log.getParent());
            }
            out.flush();
            Thread.sleep(POLL_MILLIS);
        }
        return 0;
    }

    private void printHints(PrintWriter out, Member leader) {
        if (hintsShown || leader == null) {
            return;
        }
        hintsShown = true;
        String endpoints = members.stream().map(m -> HOST + ":" + m.clientPort)
                .reduce((a, b) -> a + "," + b).orElseThrow();
        String etcdctl = clientPorts.get(0) == 2379 ? "etcdctl"
                : "etcdctl --endpoints=" + HOST + ":" + clientPorts.get(0);
        Path launcher = Path.of(System.getProperty("java.home"), "bin", "flotilla");
        String flotilla = Files.isExecutable(launcher) ? launcher.toString() : "flotilla";
        if (clientPorts.get(0) != 2379) {
            flotilla += " --endpoints " + HOST + ":" + clientPorts.get(0);
        }
        out.println("The cluster is up. In another terminal, try:");
        out.println("  " + etcdctl + " put greeting hello");
        out.println("  " + flotilla + " get greeting");
        out.println("  etcdctl --endpoints=" + endpoints + " endpoint status -w table");
        out.println("  curl http://" + HOST + ":" + members.get(0).metricsPort + "/health   (and /version, /metrics)");
        out.println("  kill " + leader.process.pid() + "   (the leader, " + leader.id
                + ": another member takes over, the demo shows it; the stopped member stays down)");
    }

    /** Stops every member that still runs: SIGTERM, a wait, then SIGKILL for any that hangs. */
    private void stopAll(PrintWriter out) {
        stopping = true;
        List<Member> running = members.stream().filter(m -> m.process != null && m.process.isAlive()).toList();
        if (!running.isEmpty()) {
            out.println("Stopping " + running.stream().map(m -> m.id).toList() + "...");
            out.flush();
        }
        running.forEach(m -> m.process.destroy());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
        for (Member m : running) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!m.process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    out.println(m.id + " did not stop within " + STOP_WAIT_MILLIS / 1000 + " s; killing it.");
                    m.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                m.process.destroyForcibly();
            }
            out.println(m.id + " stopped (exit code " + (m.process.isAlive() ? "?" : m.process.exitValue()) + ")");
        }
        members.forEach(Member::closeChannel);
        if (!running.isEmpty() && durable) {
            out.println("The data stays in " + members.get(0).dir.getParent() + " for the next start.");
        }
        out.flush();
    }

    /** {@return what is wrong with the options, or null} */
    private String checkOptions() {
        if (!SIZES.contains(memberCount)) {
            return "--members must be 1, 3, 5 or 7 (an odd size: an even one tolerates no more failures than the "
                    + "size below it), got " + memberCount;
        }
        if (clientPorts == null) {
            clientPorts = CLIENT_PORTS.subList(0, memberCount);
        }
        if (peerPorts == null) {
            peerPorts = clientPorts.stream().map(p -> p + 1).toList();
        }
        if (metricsPorts == null) {
            metricsPorts = clientPorts.stream().map(p -> p + 2).toList();
        }
        if (clientPorts.size() != memberCount || peerPorts.size() != memberCount
                || metricsPorts.size() != memberCount) {
            return "--client-ports, --peer-ports and --metrics-ports take one port per member (" + memberCount
                    + "), e.g. " + CLIENT_PORTS.subList(0, memberCount).stream().map(String::valueOf)
                    .reduce((a, b) -> a + "," + b).orElseThrow();
        }
        Set<Integer> ports = new HashSet<>();
        for (int port : Stream.of(clientPorts, peerPorts, metricsPorts).flatMap(List::stream).toList()) {
            if (port < 1 || port > 65535) {
                return "port " + port + " is out of range";
            }
            if (!ports.add(port)) {
                return "port " + port + " is given twice";
            }
        }
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            } catch (IOException e) {
                return "port " + port + " on " + HOST + " is in use (an etcd or another demo?); choose others with "
                        + "--client-ports, --peer-ports and --metrics-ports";
            }
        }
        return null;
    }

    /** One member: its addresses, files, process and status channel. */
    private static final class Member {
        final String id;
        final int clientPort;
        final int peerPort;
        final int metricsPort;
        final Path dir;
        final Path config;
        final Path log;
        Process process;
        ManagedChannel channel;
        boolean exitReported;
        boolean reachable;
        boolean answered;

        Member(String id, int clientPort, int peerPort, int metricsPort, Path dataDir) {
            this.id = id;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.metricsPort = metricsPort;
            this.dir = dataDir.resolve(id);
            this.config = dataDir.resolve(id + ".yaml");
            this.log = dataDir.resolve(id + ".log");
        }

        /** Writes the member's server configuration; the file is rewritten at each start of the demo. */
        void writeConfig(List<Member> all, String logStore) throws IOException {
            StringBuilder yaml = new StringBuilder()
                    .append("# Written by `flotilla demo` at each start. Run this member by hand with:\n")
                    .append("#   flotilla server --config ").append(config).append('\n')
                    .append("nodeId: ").append(id).append('\n')
                    .append("dataDir: ").append(quoted(dir.toString())).append('\n')
                    .append("cluster:\n");
            for (Member m : all) {
                yaml.append("  ").append(m.id).append(": {peer: \"").append(HOST).append(':').append(m.peerPort)
                        .append("\", client: \"").append(HOST).append(':').append(m.clientPort).append("\"}\n");
            }
            yaml.append("logStore:\n  name: ").append(logStore).append('\n')
                    // Keep five minutes of history (older revisions become unreadable), so the demo's backend stays
                    // small however long it runs; see docs/kv-service.md, "Auto-compaction".
                    .append("autoCompactionMode: ").append(AUTO_COMPACTION_MODE).append('\n')
                    .append("autoCompactionRetention: ").append(AUTO_COMPACTION_RETENTION).append('\n')
                    .append("listenMetricsUrls: \"http://").append(HOST).append(':').append(metricsPort)
                    .append("\"\n");
            Files.writeString(config, yaml);
        }

        /** Starts {@code flotilla server --config FILE} with this runtime's java; output is appended to the log. */
        void start(String heap) throws IOException {
            Path javaHome = Path.of(System.getProperty("java.home"));
            List<String> command = List.of(javaHome.resolve("bin").resolve("java").toString(),
                    // Serial: as fast as G1 for three members and a client on one machine, with no concurrent GC
                    // threads competing for its cores (measured: docs/distribution.md, "Which GC").
                    "-Xmx" + heap, "-XX:+UseSerialGC",
                    "-m", Main.class.getModule().getName() + "/" + Main.class.getName(),
                    "server", "--config", config.toString());
            Files.writeString(log, "---- " + LocalDateTime.now() + ": flotilla demo starts flotilla server --config "
                    + config + " with " + javaHome + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            channel = ManagedChannelBuilder.forAddress(HOST, clientPort).usePlaintext().build();
        }

        /** {@return the member's status, or null if it does not answer} */
        MemberStatus status() {
            if (!reachable) {
                channel.resetConnectBackoff(); // retry the connection now, not after gRPC's growing backoff
            }
            try {
                MemberStatus status = MemberStatus.query(channel, 500);
                reachable = true;
                answered = true;
                return status;
            } catch (StatusRuntimeException e) {
                reachable = false;
                return null;
            }
        }

        List<String> logTail(int lines) {
            try {
                List<String> all = Files.readAllLines(log);
                return all.subList(Math.max(0, all.size() - lines), all.size());
            } catch (IOException | UncheckedIOException e) {
                return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
            }
        }

        void closeChannel() {
            if (channel != null) {
                channel.shutdownNow();
            }
        }

        private static String quoted(String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
    }
}
