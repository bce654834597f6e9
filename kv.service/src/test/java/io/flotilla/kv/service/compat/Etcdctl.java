package io.flotilla.kv.service.compat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code etcdctl} binary (API v3) against one endpoint and captures what it prints. */
final class Etcdctl {

    /** What one run printed. */
    record Result(int code, String out, String err) {
    }

    private final Path binary;
    private final String endpoint;

    Etcdctl(Path binary, String endpoint) {
        this.binary = binary;
        this.endpoint = endpoint;
    }

    /** Finds {@code etcdctl} on the PATH. */
    static Optional<Path> find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "etcdctl");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts a long-running etcdctl command (watch, lock, elect) whose output is read line by line as it comes.
     *
     * @param args the command and its flags
     * @return the running command; close it
     */
    Running start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--endpoints=" + endpoint,
                "--dial-timeout=5s"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("ETCDCTL_API", "3");
        return new Running(builder.start());
    }

    /** A long-running etcdctl: one thread reads its output (and error output) into a queue of lines. */
    static final class Running implements AutoCloseable {

        private final Process process;
        private final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();

        private Running(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (java.io.BufferedReader in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process was destroyed
                }
            }, "etcdctl-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Reads the next {@code count} lines, failing after 15 s. */
        List<String> next(int count) throws InterruptedException {
            List<String> out = new ArrayList<>();
            while (out.size() < count) {
                String line = lines.poll(15, TimeUnit.SECONDS);
                if (line == null) {
                    throw new AssertionError("etcdctl printed only " + out + " within 15 s, expected " + count
                            + " lines");
                }
                out.add(line);
            }
            return out;
        }

        /** {@return the next line if one comes within {@code millis}, else null} */
        String poll(long millis) throws InterruptedException {
            return lines.poll(millis, TimeUnit.MILLISECONDS);
        }

        /** Kills the command with SIGKILL: it cleans nothing up (its lease, say, is left to expire). */
        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }

        /** Stops the command with SIGTERM, which etcdctl handles (elect resigns, lock unlocks). */
        void terminate() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        /** Waits for the command to exit by itself; returns everything it printed that was not read yet. */
        String awaitExit() throws InterruptedException {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                throw new AssertionError("etcdctl did not exit within 15 s; it printed " + lines);
            }
            Thread.sleep(100); // the reader drains the last lines
            return String.join("\n", lines);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runWithInput(null, args);
    }

    Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--endpoints=" + endpoint,
                "--command-timeout=10s", "--dial-timeout=5s"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("ETCDCTL_API", "3");
        Path out = Files.createTempFile("etcdctl", ".out");
        Path err = Files.createTempFile("etcdctl", ".err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        if (stdin != null) {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("etcdctl " + String.join(" ", args) + " did not finish in 30 s");
        }
        Result result = new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return result;
    }
}
