package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.RaftMetrics;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreException;
import io.flotilla.raft.api.spi.Transport;
import io.flotilla.raft.core.protocol.Ready;
import io.flotilla.raft.core.protocol.ReadyExecutor.Write;
import io.flotilla.raft.core.protocol.SnapshotFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A member's disk thread: makes the protocol's writes durable in order, off the event loop, so that ticks, heartbeats,
 * acknowledgements and read rounds never wait for an fsync (etcd raft's asynchronous storage writes; thesis §10.2.1).
 *
 * <p><b>Group commit.</b> Writes queued while one is under way are merged into the next one: one log store write and
 * one fsync for all of them. Their {@link Write#after()} messages leave, in order, once that write is durable; then the
 * event loop hears of them ({@link Listener#written}).
 *
 * <p><b>One writer.</b> Every mutation of the log store happens on this thread, as its SPI requires; the event loop
 * only reads it. What must not race with the loop's reads (compaction, the reset that installs a snapshot) runs here
 * too, with the loop waiting ({@link #runExclusive}).
 *
 * <p><b>Bounded.</b> At most {@link #MAX_QUEUED} writes wait; beyond that the event loop waits for the disk, as it
 * did when it wrote itself.
 *
 * <p><b>A hung disk.</b> The event loop asks {@link #stalled} each turn and, if one write has been under way too long,
 * waits for it ({@link #awaitProgress}): a member whose disk hangs then stops heartbeating, as one that writes on its
 * loop does (etcd 3.5 writes its WAL on the raft loop), so the others elect a leader that can still apply and answer,
 * instead of following one that commits through them but can answer no client.
 */
final class Persister implements Runnable {

    /** Writes waiting at most before the event loop blocks. */
    static final int MAX_QUEUED = 256;
    /** Writes merged into one at most (each is already bounded by the protocol's batch sizes). */
    static final int MAX_MERGED = 64;

    /** Where the disk thread reports; every method is called on the disk thread and must only enqueue. */
    interface Listener {

        /** These writes, in order, are durable and their messages sent. */
        void written(List<Write> writes);

        /** A snapshot received from the leader is complete, verified and durable; install it. */
        void snapshotReceived(SnapshotFormat.Header header);

        /** A snapshot received from the leader failed verification; it must be received again. */
        void snapshotDamaged(CorruptLogException e);

        /** A write failed: the member must stop (its disk state is unknown). Nothing is written after it. */
        void failed(RuntimeException e);
    }

    private sealed interface Task permits WriteTask, Exclusive, Stop {
    }

    private record WriteTask(Write write) implements Task {
    }

    private record Exclusive(FutureTask<Void> task) implements Task {
    }

    private record Stop() implements Task {
    }

    /** Thrown to the event loop when it hands over work after the disk thread stopped (closing, or a failed write). */
    static final class StoppedException extends RuntimeException {
        StoppedException(String message) {
            super(message);
        }
    }

    private final NodeId self;
    private final LogStore store;
    private final Transport transport;
    private final SnapshotFiles snapshots;
    private final Listener listener;
    private final RaftMetrics metrics;
    private final java.util.function.LongSupplier nanoClock;
    private final BlockingQueue<Task> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
    private volatile boolean stopped;
    /** When the write under way started (never 0), or 0 while none is. */
    private volatile long writingSince;
    private final Object progress = new Object();

    Persister(NodeId self, LogStore store, Transport transport, SnapshotFiles snapshots, RaftMetrics metrics,
              Listener listener, java.util.function.LongSupplier nanoClock) {
        this.self = self;
        this.metrics = metrics;
        this.store = store;
        this.transport = transport;
        this.snapshots = snapshots;
        this.listener = listener;
        this.nanoClock = nanoClock;
    }

    /**
     * Returns whether the write under way started more than {@code limitNanos} before {@code now}.
     *
     * @param now        the caller's clock (the same clock as this thread's)
     * @param limitNanos how long a write may take before the disk counts as stalled
     */
    boolean stalled(long now, long limitNanos) {
        long since = writingSince;
        return since != 0 && now - since > limitNanos;
    }

    /** Waits until the write under way (if any) completes or fails, or the disk thread stops. */
    void awaitProgress() throws InterruptedException {
        synchronized (progress) {
            long since = writingSince;
            while (since != 0 && writingSince == since && !stopped) {
                progress.wait(100);
            }
        }
    }

    /**
     * Queues a write behind the earlier ones; blocks while {@link #MAX_QUEUED} wait.
     *
     * @throws StoppedException if the disk thread has stopped
     */
    void submit(Write write) {
        put(new WriteTask(write));
    }

    /**
     * Runs {@code action} on the disk thread after every write queued before it, and waits for it: the caller (the
     * event loop) does not read the log store meanwhile. Its exception is rethrown here.
     *
     * @throws StoppedException if the disk thread has stopped
     */
    void runExclusive(Runnable action) {
        FutureTask<Void> task = new FutureTask<>(action, null);
        put(new Exclusive(task));
        try {
            task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new LogStoreException(self + ": " + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new StoppedException(self + ": the disk thread stopped before " + action + " ran");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoppedException(self + ": interrupted while waiting for the disk thread");
        }
    }

    /** Stops the disk thread: writes not yet started are dropped (never acknowledged); the one under way finishes. */
    void stop() {
        stopped = true;
        cancelQueued();
        // The queue was just emptied; only the loop (stopped before this is called) could have filled it again.
        queue.offer(new Stop());
    }

    @Override
    public void run() {
        List<Write> group = new ArrayList<>();
        try {
            while (!stopped) {
                Task first = queue.take();
                if (first instanceof Stop) {
                    return;
                }
                if (first instanceof Exclusive e) {
                    e.task().run();
                    continue;
                }
                group.clear();
                group.add(((WriteTask) first).write());
                // A write with snapshot chunks goes alone: its chunks follow its entries on disk, in order.
                if (group.get(0).chunks().isEmpty()) {
                    while (group.size() < MAX_MERGED && queue.peek() instanceof WriteTask next
                            && next.write().chunks().isEmpty()) {
                        queue.poll();
                        group.add(next.write());
                    }
                }
                writingSince = Math.max(1, nanoClock.getAsLong());
                try {
                    writeDurably(group);
                } finally {
                    writingSince = 0;
                    synchronized (progress) {
                        progress.notifyAll();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            stopped = true;
            cancelQueued();
            listener.failed(e);
        }
    }

    private void writeDurably(List<Write> group) {
        PersistentState state = null;
        List<LogEntry> entries = group.size() == 1 ? group.get(0).entries() : new ArrayList<>();
        if (group.size() > 1) {
            for (Write w : group) {
                if (w.state() != null) {
                    state = w.state();
                }
                appendReplacingSuffix(entries, w.entries());
            }
        } else {
            state = group.get(0).state();
        }
        if (state != null || !entries.isEmpty()) {
            long started = nanoClock.getAsLong();
            store.write(state, entries);
            metrics.logWritten(entries.size(), nanoClock.getAsLong() - started);
        }
        for (Ready.SnapshotChunk chunk : group.get(0).chunks()) {
            receive(chunk);
        }
        for (Write w : group) {
            for (RaftMessage m : w.after()) {
                transport.send(m);
            }
        }
        listener.written(List.copyOf(group));
    }

    /**
     * Merges a later write into the entries of earlier ones: the later write's first index may be at or below the end
     * of what is merged so far (a follower replacing a conflicting suffix, Raft §5.3), and then replaces from there.
     */
    static void appendReplacingSuffix(List<LogEntry> merged, List<LogEntry> later) {
        if (later.isEmpty()) {
            return;
        }
        if (!merged.isEmpty()) {
            long keep = later.get(0).index() - merged.get(0).index();
            if (keep < merged.size()) {
                merged.subList((int) Math.max(0, keep), merged.size()).clear();
            }
        }
        merged.addAll(later);
    }

    private void receive(Ready.SnapshotChunk chunk) {
        snapshots.receiveChunk(chunk.offset(), chunk.data());
        if (!chunk.last()) {
            return;
        }
        try {
            listener.snapshotReceived(snapshots.finishReceiving());
        } catch (CorruptLogException e) {
            listener.snapshotDamaged(e);
        }
    }

    private void put(Task task) {
        if (stopped) {
            throw new StoppedException(self + ": the disk thread has stopped");
        }
        try {
            queue.put(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoppedException(self + ": interrupted while queueing a write");
        }
        if (stopped) {
            // It may have stopped between the check and the put: nobody will run the task.
            cancelQueued();
        }
    }

    private void cancelQueued() {
        for (Task t = queue.poll(); t != null; t = queue.poll()) {
            if (t instanceof Exclusive e) {
                e.task().cancel(false);
            }
        }
    }
}
