package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.StateMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny key-value state machine for runtime tests. Commands are {@code "key=value"}: the value is stored and the
 * previous value (or {@code ""}) is the result. Queries are a key; the answer is its value (or {@code ""}). Every
 * applied command is recorded as {@code "index:command"}, so tests can compare the order members applied in.
 *
 * <p>Made with {@code concurrentQueries}, its queries run on the engine's reader threads and answer from the state as
 * of the last {@link #batchApplied()} (a copy published then), as the contract of
 * {@link StateMachine#concurrentQueries()} asks. Gates let a test hold applying, a batch's write or a query.
 */
final class KvStateMachine implements StateMachine {

    private final Map<String, String> data = new HashMap<>();
    private final boolean concurrentQueries;
    /** What queries see when they run concurrently: the state as of the last batch written. */
    private volatile Map<String, String> published = Map.of();
    /** Held while closed: an apply of a command whose key is "slow" waits for it. */
    final Gate applyGate = new Gate();
    /** Held while closed: {@link #batchApplied()} waits for it. */
    final Gate batchGate = new Gate();
    /** Held while closed: a query for the key "slow" waits for it. */
    final Gate queryGate = new Gate();
    /** The threads queries ran on. */
    final List<String> queryThreads = new CopyOnWriteArrayList<>();

    KvStateMachine() {
        this(false);
    }

    KvStateMachine(boolean concurrentQueries) {
        this.concurrentQueries = concurrentQueries;
    }

    /**
     * A gate a state machine's thread waits at while it is closed; {@link #arrived} counts the threads that reached
     * it. Open by default.
     */
    static final class Gate {
        private volatile java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(0);
        final java.util.concurrent.Semaphore arrived = new java.util.concurrent.Semaphore(0);

        void close() {
            open = new java.util.concurrent.CountDownLatch(1);
        }

        void open() {
            open.countDown();
        }

        void pass() {
            java.util.concurrent.CountDownLatch latch = open;
            if (latch.getCount() == 0) {
                return;
            }
            arrived.release();
            try {
                latch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Waits until {@code threads} threads have reached the gate (since the last call). */
        void awaitArrivals(int threads) throws InterruptedException {
            if (!arrived.tryAcquire(threads, 5, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("only " + arrived.availablePermits() + " of " + threads
                        + " threads reached the gate within 5 s");
            }
        }
    }
    /** {@code "index:command"} for every command applied, in order; readable from any thread. */
    final List<String> applied = new CopyOnWriteArrayList<>();

    static byte[] put(String key, String value) {
        return (key + "=" + value).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] get(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The commands applied, without their indexes. */
    List<String> commands() {
        return applied.stream().map(s -> s.substring(s.indexOf(':') + 1)).toList();
    }

    @Override
    public byte[] apply(LogEntry entry) {
        String command = text(entry.payload());
        int eq = command.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("not a put: " + command);
        }
        if (command.startsWith("slow=")) {
            applyGate.pass();
        }
        String previous = data.put(command.substring(0, eq), command.substring(eq + 1));
        applied.add(entry.index() + ":" + command);
        return (previous == null ? "" : previous).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] query(byte[] query) {
        queryThreads.add(Thread.currentThread().getName());
        String key = text(query);
        if (key.equals("slow")) {
            queryGate.pass();
        }
        return (concurrentQueries ? published : data).getOrDefault(key, "").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean concurrentQueries() {
        return concurrentQueries;
    }

    @Override
    public void batchApplied() {
        batchGate.pass();
        if (concurrentQueries) {
            published = Map.copyOf(data);
        }
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder();
        data.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        data.clear();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                data.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        published = Map.copyOf(data);
    }
}
