package io.flotilla.raft.core.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.RaftTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A forwarded proposal whose place arrives after its entry was applied (a reordering transport) still gets the
 * entry's result — its own, a later leader's replacement (never committed), or "unknown" once the bounded record
 * dropped it; nothing is recorded while no forwarded proposal waits.
 */
class RecentResultsTest {

    private final RecentResults recent = new RecentResults(NodeId.of("n1"));

    private static Throwable failure(CompletableFuture<byte[]> f) {
        try {
            f.get();
            throw new AssertionError("expected a failure, got a result");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private CompletableFuture<byte[]> completeAt(long index, long term) {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        recent.complete(index, new PendingProposal(term, future));
        return future;
    }

    @Test
    void aLatePlacementGetsTheResultOrFailureRecordedAtItsIndexAndTerm() throws Exception {
        recent.awaitPlacement();
        recent.record(LogEntry.command(5, 2, new byte[] {1}), new byte[] {42}, null);
        IllegalStateException refused = new IllegalStateException("deterministic refusal");
        recent.record(LogEntry.command(6, 2, new byte[] {2}), null, refused);

        assertArrayEquals(new byte[] {42}, completeAt(5, 2).get());
        assertSame(refused, failure(completeAt(6, 2)));
        assertInstanceOf(NotLeaderException.class, failure(completeAt(5, 1)),
                "another term's entry at the index: the placed one was replaced, never committed");
        assertInstanceOf(RaftTimeoutException.class, failure(completeAt(4, 2)), "not recorded: outcome unknown");
    }

    @Test
    void nothingIsKeptWhileNoForwardedProposalWaitsAndTheRecordIsBounded() {
        recent.record(LogEntry.command(1, 1, new byte[0]), new byte[] {1}, null);
        recent.awaitPlacement();
        assertInstanceOf(RaftTimeoutException.class, failure(completeAt(1, 1)), "recorded while nobody waited");

        for (long i = 2; i <= RecentResults.MAX_RESULTS + 2; i++) {
            recent.record(LogEntry.command(i, 1, new byte[0]), new byte[] {7}, null);
        }
        assertInstanceOf(RaftTimeoutException.class, failure(completeAt(2, 1)), "the oldest result is dropped");
        completeAt(RecentResults.MAX_RESULTS + 2, 1).join();

        recent.placementSettled();
        recent.record(LogEntry.command(RecentResults.MAX_RESULTS + 3, 1, new byte[0]), new byte[] {8}, null);
        recent.awaitPlacement();
        assertInstanceOf(RaftTimeoutException.class, failure(completeAt(RecentResults.MAX_RESULTS + 2, 1)),
                "once no one waits the record is cleared");
    }
}
