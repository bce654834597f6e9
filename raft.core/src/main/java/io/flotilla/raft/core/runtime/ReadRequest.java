package io.flotilla.raft.core.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * A linearizable read waiting for its read index to be confirmed and applied.
 *
 * @param query   the query to run on the state machine, or null for a bare barrier
 * @param barrier completed with the applied index when {@code query} is null
 * @param answer  completed with the query's answer when {@code query} is not null
 */
record ReadRequest(byte[] query, CompletableFuture<Long> barrier, CompletableFuture<byte[]> answer) {

    static ReadRequest forBarrier() {
        return new ReadRequest(null, new CompletableFuture<>(), null);
    }

    static ReadRequest forQuery(byte[] query) {
        return new ReadRequest(query, null, new CompletableFuture<>());
    }

    CompletableFuture<?> future() {
        return query == null ? barrier : answer;
    }

    void fail(Throwable t) {
        future().completeExceptionally(t);
    }
}
