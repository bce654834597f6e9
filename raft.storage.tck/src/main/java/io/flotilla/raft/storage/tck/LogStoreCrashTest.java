package io.flotilla.raft.storage.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.spi.LogStore;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kills a writing process with SIGKILL at random moments and checks that every write it saw acknowledged survived,
 * intact and without gaps. A durable store extends this class in its tests.
 *
 * <p>The child ({@link CrashWriter}) runs in a new JVM of the same Java with the test's module path and class path
 * joined into one class path; {@link #childJvmOptions()} adds flags the store needs there.
 */
public abstract class LogStoreCrashTest extends LogStoreTestSupport {

    /** How many times the writer is killed. */
    protected static final int ROUNDS = 5;

    /** {@return extra JVM options for the child, e.g. {@code --add-opens} a library needs on the class path} */
    protected List<String> childJvmOptions() {
        return List.of();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void acknowledgedWritesSurviveSigkill() throws Exception {
        long acked = 0;
        long ackedTerm = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            long[] ack = runAndKill(round);
            if (ack[0] > 0) {
                acked = ack[0];
                ackedTerm = ack[1];
            }
            verify(acked, ackedTerm, round);
        }
        assertTrue(acked > 0, "the writer acknowledged nothing in " + ROUNDS + " rounds");
    }

    /** Starts a writer, kills it at a random moment after its first acknowledgement, returns the last one seen. */
    private long[] runAndKill(int round) throws Exception {
        // The child's stderr goes to a file outside the store's directory, shown if the child fails.
        Path log = Files.createTempFile("crash-writer-" + round + "-", ".err");
        Process child = new ProcessBuilder(command(round)).redirectError(log.toFile()).start();
        AtomicLong lastAck = new AtomicLong();
        AtomicLong lastTerm = new AtomicLong();
        AtomicLong acks = new AtomicLong();
        Thread reader = new Thread(() -> readAcks(child, lastAck, lastTerm, acks), "crash-test-reader");
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acks.get() == 0 && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            if (acks.get() == 0) {
                fail("round " + round + ": the writer acknowledged nothing; its stderr:\n" + Files.readString(log));
            }
            Thread.sleep(ThreadLocalRandom.current().nextLong(50, 600));
        } finally {
            child.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no close(), mid-write if unlucky
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);
            Files.deleteIfExists(log);
        }
        return new long[] {lastAck.get(), lastTerm.get()};
    }

    private static void readAcks(Process child, AtomicLong lastAck, AtomicLong lastTerm, AtomicLong acks) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                // A line cut short by the kill is not an acknowledgement: only whole lines count.
                if (parts.length == 3 && parts[0].equals("ACK")) {
                    lastTerm.set(Long.parseLong(parts[2]));
                    lastAck.set(Long.parseLong(parts[1]));
                    acks.incrementAndGet();
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The pipe breaks when the child dies; what was read so far stands.
        }
    }

    private void verify(long acked, long ackedTerm, int round) {
        LogStore store = open();
        try {
            long last = store.lastIndex();
            assertEquals(1, store.firstIndex(), "round " + round);
            assertTrue(last >= acked, "round " + round + ": index " + acked + " was acknowledged but the log ends at "
                    + last);
            List<LogEntry> entries = store.read(1, last + 1, Long.MAX_VALUE);
            assertEquals(last, entries.size(), "round " + round + ": entries missing");
            long term = 0;
            for (int i = 0; i < entries.size(); i++) {
                LogEntry e = entries.get(i);
                assertEquals(i + 1, e.index(), "round " + round + ": gap or disorder");
                assertTrue(TestEntries.isIntact(e) && e.size() == CrashWriter.sizeOf(e.index()),
                        "round " + round + ": damaged entry " + e);
                assertTrue(e.term() >= term, "round " + round + ": terms go backwards at " + e);
                term = e.term();
            }
            // Printed so that a run shows the test did real work: how far the writers got and what survived.
            System.out.println(provider().name() + " crash round " + round + ": acknowledged through " + acked
                    + ", log ends at " + last);
            assertTrue(store.state().term() >= ackedTerm, "round " + round + ": acknowledged state term "
                    + ackedTerm + " lost, found " + store.state());
        } finally {
            store.close();
        }
    }

    private List<String> command(int round) {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(childJvmOptions());
        cmd.add("-cp");
        cmd.add(childClassPath());
        cmd.add(CrashWriter.class.getName());
        cmd.add(provider().getClass().getName());
        cmd.add(directory.toString());
        cmd.add(Integer.toString(round));
        for (Map.Entry<String, String> option : options().entrySet()) {
            cmd.add(option.getKey() + "=" + option.getValue());
        }
        return cmd;
    }

    /** Joins the module path and class path this JVM runs with: the child needs the same jars, not the same layout. */
    private static String childClassPath() {
        List<String> parts = new ArrayList<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                parts.add(value);
            }
        }
        return String.join(File.pathSeparator, parts);
    }
}
