package io.flotilla.kv.service.coordination;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * One client call of a waiting recipe (a lock, a campaign, an observation): when the client goes away, {@link #cancel}
 * stops the step under way (closing its watcher) and every later step fails at once, so nothing keeps waiting for a
 * client that left.
 */
public final class Scope {

    private volatile boolean cancelled;
    private volatile CompletableFuture<?> current;

    /** Runs a step in this scope: it is cancelled with the scope. */
    <T> CompletableFuture<T> step(CompletableFuture<T> step) {
        if (cancelled) {
            step.cancel(false);
            return CompletableFuture.failedFuture(new CancellationException("the client went away"));
        }
        current = step;
        return step;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** The client went away. */
    public void cancel() {
        cancelled = true;
        CompletableFuture<?> c = current;
        if (c != null) {
            c.cancel(false);
        }
    }
}
