package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.NodeClosedException;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.OverloadedException;
import io.flotilla.raft.api.StateMachine;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The reader threads of a state machine whose queries may run concurrently ({@link StateMachine#concurrentQueries()}):
 * once a read's index is covered by what the state machine has <em>published</em> (applied and written with
 * {@link StateMachine#batchApplied()}), its query runs here instead of on the apply thread, so reads neither queue
 * behind applying and snapshots nor delay them. etcd serves reads from concurrent read transactions of its backend
 * for the same reason.
 *
 * <p>Bounded: a fixed number of threads and a queue of at most {@code maxQueued} reads; beyond that a read fails with
 * {@link OverloadedException}, which is retryable. A lock keeps queries apart from a snapshot restore (which replaces
 * the state they read) and from the state machine's close: no query runs during either.
 */
final class Readers {

    /** A read whose query runs on a reader thread; fails with the node's closing if it never runs. */
    private final class Query implements Runnable {
        private final ReadRequest request;

        Query(ReadRequest request) {
            this.request = request;
        }

        @Override
        public void run() {
            ReentrantReadWriteLock.ReadLock lock = stateLock.readLock();
            lock.lock();
            try {
                if (closed) {
                    request.fail(new NodeClosedException(self + " is closed"));
                    return;
                }
                request.answer().complete(stateMachine.query(request.query()));
            } catch (RuntimeException e) {
                request.answer().completeExceptionally(e);
            } finally {
                lock.unlock();
            }
        }
    }

    private final NodeId self;
    private final StateMachine stateMachine;
    private final ThreadPoolExecutor pool;
    private final int maxQueued;
    private final ReentrantReadWriteLock stateLock = new ReentrantReadWriteLock();
    /** The applied index every query sees at least (see {@link StateMachine#concurrentQueries()}). */
    private volatile long published;
    private volatile boolean closed;

    /**
     * Starts the reader threads.
     *
     * @param self         this member, for thread names and errors
     * @param stateMachine the state machine, whose queries may run concurrently
     * @param threads      how many reader threads
     * @param maxQueued    reads waiting for a thread at most
     * @param published    the index the state machine holds at start
     */
    Readers(NodeId self, StateMachine stateMachine, int threads, int maxQueued, long published) {
        this.self = self;
        this.stateMachine = stateMachine;
        this.maxQueued = maxQueued;
        this.published = published;
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(maxQueued), r -> {
                    Thread t = new Thread(r, "flotilla-read-" + self + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** {@return the applied index every query now sees at least} */
    long published() {
        return published;
    }

    /**
     * Records that the state machine now shows everything applied up to {@code index} to queries; called by the apply
     * thread after {@link StateMachine#batchApplied()} or a restore.
     */
    void publish(long index) {
        published = index;
    }

    /**
     * Runs a read's query on a reader thread. The caller has checked that the read's index is at most
     * {@link #published()}.
     *
     * @param request a read with a query
     */
    void run(ReadRequest request) {
        if (closed) {
            request.fail(new NodeClosedException(self + " is closed"));
            return;
        }
        try {
            pool.execute(new Query(request));
        } catch (RejectedExecutionException e) {
            request.fail(closed ? new NodeClosedException(self + " is closed")
                    : new OverloadedException(self + ": " + maxQueued + " reads already wait for a reader thread; "
                    + "retry later"));
        }
    }

    /**
     * Runs {@code restore} with no query running, then publishes {@code index}: queries that arrive meanwhile wait,
     * then see the restored state.
     *
     * @param restore replaces the state machine's state
     * @param index   the index the restored state holds
     */
    void exclusive(Runnable restore, long index) {
        stateLock.writeLock().lock();
        try {
            restore.run();
            published = index;
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    /**
     * Stops the reader threads: queued reads fail with {@link NodeClosedException}, and this waits up to
     * {@code timeoutMillis} for the queries running. Once it returns no query runs any more, unless one was still
     * running at the timeout (logged): the state machine may then be closed under it, as under a hung apply thread.
     */
    void close(long timeoutMillis) {
        closed = true;
        List<Runnable> queued = pool.shutdownNow();
        NodeClosedException failure = new NodeClosedException(self + " is closed");
        for (Runnable r : queued) {
            ((Query) r).request.fail(failure);
        }
        try {
            // Taken and kept: no query can start once this holds, and none is running.
            if (!stateLock.writeLock().tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
                System.getLogger(Readers.class.getName()).log(System.Logger.Level.WARNING, self
                        + ": a query still runs " + timeoutMillis + " ms after the node closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
