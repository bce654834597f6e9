package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.RaftTimeoutException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Request timeouts. Every request gets the same timeout, so deadlines arrive in submission order and a FIFO queue is
 * enough: expiring costs O(expired), not a scan of everything pending. Used by the event loop thread only.
 */
final class Deadlines {

    private record Deadline(long atNanos, CompletableFuture<?> future, String what, Runnable onExpiry) {
    }

    private final ArrayDeque<Deadline> queue = new ArrayDeque<>();
    private final long timeoutNanos;
    private final long timeoutMillis;

    Deadlines(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
        this.timeoutNanos = timeoutMillis * 1_000_000L;
    }

    void track(long nowNanos, CompletableFuture<?> future, String what, Runnable onExpiry) {
        queue.addLast(new Deadline(nowNanos + timeoutNanos, future, what, onExpiry));
    }

    void expire(long nowNanos) {
        while (!queue.isEmpty() && (queue.peekFirst().future().isDone() || queue.peekFirst().atNanos() - nowNanos <= 0)) {
            Deadline d = queue.removeFirst();
            if (!d.future().isDone()) {
                d.onExpiry().run();
                d.future().completeExceptionally(new RaftTimeoutException(
                        d.what() + " did not complete within " + timeoutMillis + " ms; its outcome is unknown"));
            }
        }
    }
}
