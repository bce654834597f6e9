package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.StateMachine;
import io.flotilla.raft.core.protocol.MembershipCodec;
import io.flotilla.raft.core.protocol.SnapshotFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A member's snapshot-writer thread: writes a {@link StateMachine.SnapshotView} out to a snapshot file while the apply
 * thread goes on applying (Raft thesis §5.1: a snapshot is taken of a copy-on-write image of the state, so that
 * normal operation continues while it is written; §5.2 does the same for a state machine kept on disk). One thread
 * per member, created at the first snapshot; the {@link Applier} starts at most one job at a time.
 *
 * <p>A job, once done — the file durable and published, or the write failed or was cancelled — always closes its
 * view first and then completes {@link Job#done()} and calls the completion callback, in this order, so that whoever
 * waits for {@code done} knows the view is released.
 */
final class SnapshotWriter {

    private static final System.Logger LOG = System.getLogger(SnapshotWriter.class.getName());

    private final NodeId self;
    private final SnapshotFiles files;
    private final ExecutorService thread;

    /** One snapshot being written. */
    static final class Job {
        private final long index;
        private final long term;
        private final MembershipCodec.Membership membership;
        private final StateMachine.SnapshotView view;
        private final long bytesAtView;
        private final long openNanos;
        private final CompletableFuture<SnapshotFormat.Header> done = new CompletableFuture<>();
        private volatile boolean cancelled;
        /** The thread writing this job, while it does (guarded by this). */
        private Thread runner;

        private Job(long index, long term, MembershipCodec.Membership membership, StateMachine.SnapshotView view,
                    long bytesAtView, long openNanos) {
            this.index = index;
            this.term = term;
            this.membership = membership;
            this.view = view;
            this.bytesAtView = bytesAtView;
            this.openNanos = openNanos;
        }

        /** The applied index the view was taken at: the snapshot's last included index. */
        long index() {
            return index;
        }

        /** Payload bytes applied since the previous snapshot when the view was taken (for the size ratio). */
        long bytesAtView() {
            return bytesAtView;
        }

        /** Completed with the header once the file is durable, or with null if it was not written; never failed. */
        CompletableFuture<SnapshotFormat.Header> done() {
            return done;
        }

        /**
         * Makes the write fail at its next write call and publish nothing, and interrupts the writer thread if it is
         * on this job (a view blocked in something other than writing also stops). The interrupt never reaches a
         * later job: the runner is cleared, and the thread's interrupt status with it, under the same lock.
         */
        synchronized void cancel() {
            cancelled = true;
            if (runner != null) {
                runner.interrupt();
            }
        }

        private synchronized void started(Thread thread) {
            runner = thread;
            if (cancelled) {
                thread.interrupt();
            }
        }

        private synchronized void ended() {
            runner = null;
            Thread.interrupted(); // clear it: an interrupt of this job is not meant for the next one
        }
    }

    SnapshotWriter(NodeId self, SnapshotFiles files) {
        this.self = self;
        this.files = files;
        // One thread, created at the first job and kept; a daemon, so a write that ignores close() (see close) never
        // keeps the JVM alive.
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "flotilla-snapshot-" + self);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts writing a view out. Returns the job; if the writer is closed, the view is closed at once, the job is
     * already done with null and {@code onDone} has been called.
     *
     * @param index       the applied index the view was taken at
     * @param term        the term of that entry
     * @param membership  the configuration in force at that index
     * @param view        the state machine's view, closed by the job
     * @param bytesAtView payload bytes applied since the previous snapshot when the view was taken
     * @param openNanos   how long the view took to open on the apply thread (logged)
     * @param onDone      called on the writer thread once the job is done (after {@code done} completes)
     */
    Job start(long index, long term, MembershipCodec.Membership membership, StateMachine.SnapshotView view,
              long bytesAtView, long openNanos, Consumer<Job> onDone) {
        Job job = new Job(index, term, membership, view, bytesAtView, openNanos);
        try {
            thread.execute(() -> run(job, onDone));
        } catch (RejectedExecutionException closed) {
            closeView(job);
            job.done().complete(null);
            onDone.accept(job);
        }
        return job;
    }

    private void run(Job job, Consumer<Job> onDone) {
        long started = System.nanoTime();
        SnapshotFormat.Header written = null;
        job.started(Thread.currentThread());
        try {
            written = files.write(job.index, job.term, job.membership, job.view::writeTo, () -> job.cancelled);
            // Logged with both costs: what applying waited for (opening the view) and what it did not (the write).
            LOG.log(System.Logger.Level.INFO, self + ": snapshot at " + job.index() + ", " + written.size() / 1024
                    + " KiB: view opened in " + job.openNanos / 1_000_000 + " ms on the apply thread, written in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms in the background");
        } catch (RuntimeException e) {
            if (job.cancelled) {
                LOG.log(System.Logger.Level.INFO, self + ": snapshot at " + job.index() + " abandoned after "
                        + (System.nanoTime() - started) / 1_000_000 + " ms (node closing or snapshot installed)");
            } else {
                // Not fatal: the log simply stays longer; the applier tries again at the next threshold.
                LOG.log(System.Logger.Level.WARNING, self + ": snapshot at " + job.index() + " failed after "
                        + (System.nanoTime() - started) / 1_000_000 + " ms: " + e, e);
            }
        } finally {
            // Also after an Error: the view is released and the applier hears of it, or it would never snapshot again.
            job.ended();
            closeView(job);
            job.done().complete(written);
            onDone.accept(job);
        }
    }

    private void closeView(Job job) {
        try {
            job.view.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, self + ": closing the snapshot view at " + job.index() + " failed: "
                    + e, e);
        }
    }

    /**
     * Stops the thread: cancels {@code inFlight} (its data stream fails at the next write, nothing is published),
     * interrupts the thread and waits at most {@code timeoutMillis} for it. A write still going after that (a view
     * that neither writes nor answers interrupts) is left to the daemon thread, which deletes its temporary file and
     * closes the view whenever the view returns; nothing half-written is ever published.
     *
     * @param inFlight the job in flight, or null
     * @return whether the thread ended in time
     */
    boolean close(Job inFlight, long timeoutMillis) {
        if (inFlight != null) {
            inFlight.cancel();
        }
        thread.shutdownNow();
        try {
            boolean ended = thread.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
            if (!ended) {
                LOG.log(System.Logger.Level.WARNING, self + ": the snapshot writer did not stop within "
                        + timeoutMillis + " ms; closing without it (its write is cancelled and will not be published)");
            }
            return ended;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
