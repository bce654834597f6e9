package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.StateMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A key-value state machine that keeps its state on a "disk" ({@link Disk}), an object that outlives the state machine:
 * a test restarts a member with a new state machine over the same disk, as a process restarting over its data
 * directory would. Commands and queries are those of {@link KvStateMachine} ({@code "key=value"}, a key).
 *
 * <p>Every apply, skip and restore changes the map and the applied index together (atomically, under the disk's
 * lock), as a state machine over a transactional backend would. It checks what the engine owes it and records any
 * breach in {@link #violations}: indexes must arrive one by one, each exactly one above the last (which is only true
 * if {@link #skip} is called for every entry that is not a command); the one-argument restore is never called; a
 * restore never happens while a view is open; views are written off the apply thread and closed exactly once; a query,
 * a checkpoint or a view comes only after {@link #batchApplied()} announced the entries applied before it.
 *
 * <p>It supports views ({@link #openSnapshotView()}, when {@link #views} is on): a copy of the map taken at the call,
 * whose {@code writeTo} waits at {@link #writeGate} if one is set.
 */
final class DurableKvStateMachine implements StateMachine {

    /** What survives a restart: the map and the index of the last entry it reflects. */
    static final class Disk {
        private final TreeMap<String, String> data = new TreeMap<>();
        private long index;

        synchronized long index() {
            return index;
        }

        synchronized Map<String, String> data() {
            return new TreeMap<>(data);
        }

        /** A copy of the disk as it is now (to "lose the newest changes" later with {@link #resetTo}). */
        synchronized Disk copy() {
            Disk copy = new Disk();
            copy.data.putAll(data);
            copy.index = index;
            return copy;
        }

        /** Puts the disk back to an older copy, as if the newest changes had been lost. */
        synchronized void resetTo(Disk older) {
            Disk source = older.copy();
            data.clear();
            data.putAll(source.data);
            index = source.index;
        }

        /** Sets the index alone (to fake a state machine from another data directory). */
        synchronized void forceIndex(long index) {
            this.index = index;
        }
    }

    final Disk disk;
    /** Whether {@link #openSnapshotView()} offers views (else the engine writes snapshots with writeSnapshot). */
    volatile boolean views = true;
    /** Whether it reports its state durable ({@link #persistApplied()}), so the engine takes checkpoints. */
    volatile boolean checkpoints;
    /** How often {@link #persistApplied()} made the state durable. */
    final AtomicInteger persists = new AtomicInteger();
    /** If set, each view's writeTo waits for it before writing. */
    volatile CountDownLatch writeGate;
    /** Counted down when a view's writeTo starts. */
    final CountDownLatch writeStarted = new CountDownLatch(1);

    final AtomicInteger applies = new AtomicInteger();
    final AtomicInteger skips = new AtomicInteger();
    final AtomicInteger restores = new AtomicInteger();
    final AtomicInteger viewsOpened = new AtomicInteger();
    final AtomicInteger viewsClosed = new AtomicInteger();
    final AtomicInteger viewsWritten = new AtomicInteger();
    /** The indexes restores were told, in order. */
    final List<Long> restoredAt = new CopyOnWriteArrayList<>();
    /** The indexes views were taken at, in order. */
    final List<Long> viewsAt = new CopyOnWriteArrayList<>();
    /** Names of the threads views were written on. */
    final List<String> writerThreads = new CopyOnWriteArrayList<>();
    /** Breaches of the engine's contract; a test asserts none. */
    final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger openViews = new AtomicInteger();
    private volatile Thread applyThread;
    /** How often the engine called {@link #batchApplied()}. */
    final AtomicInteger batches = new AtomicInteger();
    /** Whether an apply or skip came after the last {@link #batchApplied()}. */
    private volatile boolean unbatched;

    DurableKvStateMachine(Disk disk) {
        this.disk = disk;
    }

    private void onApplyThread(String what) {
        Thread current = Thread.currentThread();
        if (applyThread == null) {
            applyThread = current;
        } else if (applyThread != current) {
            violations.add(what + " on " + current.getName() + ", not on the apply thread " + applyThread.getName());
        }
    }

    /** A query, a checkpoint or a view must come after the batch of entries applied before it was announced. */
    private void afterBatch(String what) {
        if (unbatched) {
            violations.add(what + " after an apply, before batchApplied()");
        }
    }

    @Override
    public void batchApplied() {
        onApplyThread("batchApplied");
        unbatched = false;
        batches.incrementAndGet();
    }

    /** Records the index of the next entry; it must follow on from the last one. */
    private void advance(long index, String what) {
        if (index != disk.index + 1) {
            violations.add(what + " of index " + index + " but the state machine is at " + disk.index);
        }
        disk.index = index;
    }

    @Override
    public byte[] apply(LogEntry entry) {
        onApplyThread("apply");
        String command = KvStateMachine.text(entry.payload());
        int eq = command.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("not a put: " + command);
        }
        String previous;
        synchronized (disk) {
            previous = disk.data.put(command.substring(0, eq), command.substring(eq + 1));
            advance(entry.index(), "apply");
        }
        unbatched = true;
        applies.incrementAndGet();
        return (previous == null ? "" : previous).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void skip(long index) {
        onApplyThread("skip");
        synchronized (disk) {
            advance(index, "skip");
        }
        unbatched = true;
        skips.incrementAndGet();
    }

    @Override
    public long lastAppliedIndex() {
        return disk.index();
    }

    /** The disk is always "synced" here (tests lose changes with {@link Disk#resetTo}): answers its index. */
    @Override
    public long persistApplied() {
        if (!checkpoints) {
            return -1;
        }
        afterBatch("persistApplied");
        persists.incrementAndGet();
        return disk.index();
    }

    @Override
    public byte[] query(byte[] query) {
        if (Thread.currentThread() == applyThread) { // tests also query directly
            afterBatch("query");
        }
        synchronized (disk) {
            return disk.data.getOrDefault(KvStateMachine.text(query), "").getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        onApplyThread("writeSnapshot");
        out.write(encode(disk.data()));
    }

    @Override
    public void restoreSnapshot(InputStream in) {
        violations.add("the one-argument restoreSnapshot was called: the engine must tell the index");
        throw new UnsupportedOperationException("restoreSnapshot(in, index) only");
    }

    @Override
    public void restoreSnapshot(InputStream in, long lastIncludedIndex) throws IOException {
        if (applyThread != null) {
            onApplyThread("restore");
        }
        if (openViews.get() > 0) {
            violations.add("restore at " + lastIncludedIndex + " while " + openViews.get() + " view(s) are open");
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        TreeMap<String, String> restored = decode(buf.toByteArray());
        synchronized (disk) {
            disk.data.clear();
            disk.data.putAll(restored);
            disk.index = lastIncludedIndex;
        }
        restoredAt.add(lastIncludedIndex);
        restores.incrementAndGet();
    }

    @Override
    public SnapshotView openSnapshotView() {
        afterBatch("openSnapshotView");
        onApplyThread("openSnapshotView");
        if (!views) {
            return null;
        }
        Map<String, String> copy;
        long index;
        synchronized (disk) {
            copy = new TreeMap<>(disk.data);
            index = disk.index;
        }
        viewsOpened.incrementAndGet();
        viewsAt.add(index);
        openViews.incrementAndGet();
        Thread opener = Thread.currentThread();
        return new SnapshotView() {
            private final AtomicInteger closes = new AtomicInteger();

            @Override
            public void writeTo(OutputStream out) throws IOException {
                writerThreads.add(Thread.currentThread().getName());
                if (Thread.currentThread() == opener) {
                    violations.add("view at " + index + " written on the apply thread");
                }
                writeStarted.countDown();
                CountDownLatch gate = writeGate;
                if (gate != null) {
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("view at " + index + " interrupted");
                    }
                }
                out.write(encode(copy));
                viewsWritten.incrementAndGet();
            }

            @Override
            public void close() {
                if (closes.incrementAndGet() != 1) {
                    violations.add("view at " + index + " closed " + closes.get() + " times");
                    return;
                }
                openViews.decrementAndGet();
                viewsClosed.incrementAndGet();
            }
        };
    }

    /** The state as of now. */
    Map<String, String> data() {
        return disk.data();
    }

    private static byte[] encode(Map<String, String> data) {
        StringBuilder sb = new StringBuilder();
        data.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static TreeMap<String, String> decode(byte[] bytes) {
        TreeMap<String, String> data = new TreeMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                data.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return data;
    }
}
