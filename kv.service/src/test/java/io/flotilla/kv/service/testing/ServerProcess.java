package io.flotilla.kv.service.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code flotilla-server} JVM, launched on the module path the build wrote to
 * {@code target/runtime-module-path.txt} (every runtime dependency) plus {@code target/classes}, with a small heap.
 * Its output goes to a log file, shown by {@link #logTail()} when a test fails.
 */
public final class ServerProcess {

    private static final String MAIN = "io.flotilla.kv.service/io.flotilla.kv.service.main.ServerMain";

    private final List<String> args;
    private final Path log;
    private Process process;

    /**
     * Prepares a server; {@link #start()} launches it.
     *
     * @param args the server's arguments
     * @param log  where its output goes (appended across restarts)
     */
    public ServerProcess(List<String> args, Path log) {
        this.args = List.copyOf(args);
        this.log = log;
    }

    /**
     * Returns the module path of the server: the module's classes and its runtime dependencies, as listed by the
     * build in {@code target/runtime-module-path.txt}. Everything is copied once per test JVM to a private directory
     * first, so that a build running at the same time (recompiling {@code target/classes}, or installing a snapshot
     * jar into the local repository) cannot change the code under a server that is being started or restarted.
     *
     * @return the module path
     */
    public static synchronized String modulePath() {
        if (modulePath == null) {
            modulePath = copyOfModulePath();
        }
        return modulePath;
    }

    private static String modulePath;

    private static String copyOfModulePath() {
        Path target = Path.of(System.getProperty("user.dir"), "target");
        try {
            String dependencies = Files.readString(target.resolve("runtime-module-path.txt")).trim();
            Path copy = Files.createTempDirectory("flotilla-server-modules");
            List<String> entries = new ArrayList<>();
            entries.add(copyTree(target.resolve("classes"), copy.resolve("kv.service")).toString());
            for (String entry : dependencies.split(java.io.File.pathSeparator)) {
                Path jar = Path.of(entry);
                entries.add(Files.copy(jar, copy.resolve(jar.getFileName())).toString());
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(copy)));
            return String.join(java.io.File.pathSeparator, entries);
        } catch (IOException e) {
            throw new UncheckedIOException("target/runtime-module-path.txt is written by the build "
                    + "(maven-dependency-plugin, generate-test-resources); run the tests through Maven", e);
        }
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
        return to;
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: the directory is in the system's temporary space.
        }
    }

    /** Launches the JVM. */
    public void start() {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--module-path", modulePath(), "--add-modules", "ALL-MODULE-PATH",
                "-m", MAIN));
        command.addAll(args);
        try {
            Files.writeString(log, "---- start: " + String.join(" ", args) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends SIGKILL: the JVM dies at once, nothing is flushed or closed. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Sends SIGTERM, which runs the server's shutdown hook. */
    public void terminate() {
        process.destroy();
    }

    /**
     * Waits for the process to end.
     *
     * @param seconds how long to wait
     * @return the exit code
     * @throws AssertionError if it is still running
     */
    public int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("server still running after " + seconds + " s; log:\n" + logTail());
        }
        return process.exitValue();
    }

    /** Returns whether the process runs. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Kills the process if it still runs (cleanup), waiting briefly for it to go. */
    public void destroy() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Returns everything the server printed, over all its starts. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Returns the last lines the server printed. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
