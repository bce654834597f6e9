package io.flotilla.kv.service.coordination;

import java.util.concurrent.CompletableFuture;

/**
 * A result that waits (a lock, a campaign), and the means to stop waiting when the client goes away.
 *
 * @param result the result
 * @param scope  the waiting's scope
 * @param <T>    the result type
 */
public record Cancellable<T>(CompletableFuture<T> result, Scope scope) {

    /** The client went away: stop waiting. */
    public void cancel() {
        scope.cancel();
    }
}
