package io.flotilla.kv.backend.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.BackendException;
import io.flotilla.kv.backend.CorruptBackendException;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kills a process that commits batches with SIGKILL at random moments and checks that the reopened backend holds
 * exactly a prefix of the batches: a durable backend extends this class in its tests.
 *
 * <p>Batch {@code n} sets a counter to {@code n}, writes 1 to 12 data keys tagged {@code n} with values of 12 to 3011
 * bytes, and deletes a key of batch {@code n - 10}; a third of the batches are committed with {@code durable = false}.
 * After each kill the backend must hold a counter {@code c} at least as high as the last batch the writer saw
 * committed (a killed process loses nothing it committed, durable or not), every key of the batches up to {@code c}
 * that no batch up to {@code c} deleted, with its value, and nothing else: no key of a batch after {@code c}.
 *
 * <p>The child ({@link CrashWriter}) runs in a new JVM of the same Java with this JVM's module path and class path;
 * {@link #childJvmOptions()} adds flags the backend needs there. While the first writer runs, opening its directory
 * here must fail with a {@link BackendException} (the directory is in use), not corrupt anything.
 */
public abstract class BackendCrashTest extends BackendTestSupport {

    /** How many times the writer is killed. */
    protected static final int ROUNDS = 5;

    /** Creates the test; JUnit calls it. */
    protected BackendCrashTest() {
    }

    /** {@return true: only a durable backend can pass this test} */
    @Override
    protected boolean durable() {
        return true;
    }

    /** {@return extra JVM options for the child, e.g. {@code --enable-native-access} a library needs} */
    protected List<String> childJvmOptions() {
        return List.of();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aKilledWriterLeavesAPrefixOfItsBatches() throws Exception {
        long acked = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            acked = Math.max(acked, runAndKill(round));
            verify(acked, round);
        }
        assertTrue(acked > 0, "the writer committed nothing in " + ROUNDS + " rounds");
    }

    /** Starts a writer, kills it at a random moment after its first commit, returns the last batch it reported. */
    private long runAndKill(int round) throws Exception {
        // The child's stderr goes to a file outside the backend's directory, shown if the child fails.
        Path log = Files.createTempFile("kv-crash-writer-" + round + "-", ".err");
        Process child = new ProcessBuilder(command()).redirectError(log.toFile()).start();
        AtomicLong lastAck = new AtomicLong();
        CountDownLatch firstAck = new CountDownLatch(1);
        Thread reader = new Thread(() -> readAcks(child, lastAck, firstAck), "kv-crash-test-reader");
        reader.start();
        try {
            if (!firstAck.await(60, TimeUnit.SECONDS)) {
                fail("round " + round + ": the writer committed nothing; its stderr:\n" + Files.readString(log));
            }
            if (round == 1) {
                assertOpenRefusedWhileInUse();
            }
            // The wait is the random moment of the kill, not a synchronisation.
            Thread.sleep(ThreadLocalRandom.current().nextLong(20, 500));
            assertTrue(child.isAlive(), "round " + round + ": the writer died by itself; its stderr:\n"
                    + Files.readString(log));
        } finally {
            child.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no close(), mid-write if unlucky
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);
            Files.deleteIfExists(log);
        }
        return lastAck.get();
    }

    private static void readAcks(Process child, AtomicLong lastAck, CountDownLatch firstAck) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                // A line cut short by the kill is not an acknowledgement: only whole lines count.
                if (parts.length == 2 && parts[0].equals("ACK")) {
                    lastAck.set(Long.parseLong(parts[1]));
                    firstAck.countDown();
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The pipe breaks when the child dies; what was read so far stands.
        }
    }

    /** Opening a directory a live process holds must fail cleanly: not succeed, not report corruption. */
    private void assertOpenRefusedWhileInUse() {
        Backend intruder;
        try {
            intruder = provider().open(new BackendContext(directory, CrashBatches.TABLES, options()));
        } catch (CorruptBackendException e) {
            throw new AssertionError("a directory in use was reported corrupt: " + e.getMessage(), e);
        } catch (BackendException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(directory.toString()),
                    "the message should name the directory: " + e.getMessage());
            return;
        }
        intruder.close();
        fail("a second backend opened " + directory + " while the writer process had it open");
    }

    private void verify(long acked, int round) {
        Backend backend = open(directory, CrashBatches.TABLES, options());
        try {
            long c = CrashBatches.counter(backend);
            assertTrue(c >= acked, "round " + round + ": batch " + acked + " was committed but the counter is " + c);
            Map<String, long[]> expected = new HashMap<>();
            for (long m = 1; m <= c; m++) {
                for (int i = 0; i < CrashBatches.keysOf(m); i++) {
                    if (CrashBatches.present(m, i, c)) {
                        expected.put(hex(CrashBatches.key(m, i)), new long[] {m, i});
                    }
                }
            }
            Table data = backend.table(CrashBatches.DATA);
            int found = 0;
            try (Cursor cursor = backend.cursor(data, new byte[0], null)) {
                for (; cursor.valid(); cursor.next()) {
                    String key = hex(cursor.key());
                    long[] origin = expected.get(key);
                    if (origin == null) {
                        fail("round " + round + ": key " + key + " (batch " + batchOf(cursor.key()) + ") should not "
                                + "be there with the counter at " + c);
                    }
                    assertArrayEquals(CrashBatches.value(origin[0], (int) origin[1]), cursor.value(),
                            "round " + round + ": value of key " + origin[1] + " of batch " + origin[0]);
                    found++;
                }
            }
            assertEquals(expected.size(), found, "round " + round + ": keys of the batches up to " + c + " missing");
            for (int i = 0; i < CrashBatches.keysOf(c + 1); i++) {
                assertNull(backend.get(data, CrashBatches.key(c + 1, i)),
                        "round " + round + ": a key of batch " + (c + 1) + " without its counter");
            }
            // Printed so that a run shows the test did real work: how far the writers got and what survived.
            System.out.println(provider().name() + " crash round " + round + ": last commit reported " + acked
                    + ", counter " + c + ", " + found + " data keys");
        } finally {
            backend.close();
        }
    }

    private static long batchOf(byte[] key) {
        return key.length == 17 ? ByteBuffer.wrap(key, 8, 8).getLong() : -1;
    }

    /**
     * The child's command line: the same java, module path and class path as this JVM. When the kit runs on the
     * module path, so does the writer; the backend's module is then found by name, as in production.
     */
    private List<String> command() {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(childJvmOptions());
        String modulePath = System.getProperty("jdk.module.path");
        String classPath = System.getProperty("java.class.path");
        if (modulePath != null && !modulePath.isBlank()) {
            cmd.add("--module-path");
            cmd.add(modulePath);
            // The test JVM's module path holds the backend's own module; resolve it and its plugins' dependencies.
            cmd.add("--add-modules");
            cmd.add("ALL-MODULE-PATH");
        }
        if (classPath != null && !classPath.isBlank()) {
            cmd.add("-cp");
            cmd.add(classPath);
        }
        Module kit = CrashWriter.class.getModule();
        if (kit.isNamed()) {
            cmd.add("-m");
            cmd.add(kit.getName() + "/" + CrashWriter.class.getName());
        } else {
            cmd.add(CrashWriter.class.getName());
        }
        cmd.add(provider().name());
        cmd.add(provider().getClass().getName());
        cmd.add(directory.toString());
        for (Map.Entry<String, String> option : options().entrySet()) {
            cmd.add(option.getKey() + "=" + option.getValue());
        }
        return cmd;
    }
}
