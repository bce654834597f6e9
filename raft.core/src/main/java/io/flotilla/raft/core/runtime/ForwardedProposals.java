package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.RaftTimeoutException;
import io.flotilla.raft.core.protocol.Ready;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The proposals this member forwarded to the leader ({@code RaftProtocol#proposeOrForward}), from the forward until
 * the leader says where it put them — then the {@link Applier} holds them until their entries are applied — or until
 * they fail. Owned by the event loop thread.
 */
final class ForwardedProposals {

    /** A forwarded proposal: its future and, once placed, the pending entry the applier holds. */
    private static final class Forwarded {
        final CompletableFuture<byte[]> future;
        long index;
        PendingProposal pending;

        Forwarded(CompletableFuture<byte[]> future) {
            this.future = future;
        }
    }

    private final NodeId self;
    private final Applier applier;
    private final Map<Long, Forwarded> unplaced = new HashMap<>();

    ForwardedProposals(NodeId self, Applier applier) {
        this.self = self;
        this.applier = applier;
    }

    /**
     * Registers a proposal the protocol forwarded under {@code id}.
     *
     * @return what withdraws it when its deadline passes (wherever it is by then)
     */
    Runnable track(long id, CompletableFuture<byte[]> future) {
        Forwarded forwarded = new Forwarded(future);
        unplaced.put(id, forwarded);
        applier.recentResults().awaitPlacement();
        return () -> {
            if (unplaced.remove(id) != null) {
                applier.recentResults().placementSettled(); // never placed: stop keeping results for it
            }
            if (forwarded.pending != null) {
                applier.forget(forwarded.index, forwarded.pending);
            }
        };
    }

    /** Placed proposals go to the applier to wait for their entries; failed ones fail (see Ready.Forwarded). */
    void settle(Ready.Forwarded f) {
        for (int i = 0; i < f.proposalIds().size(); i++) {
            Forwarded p = unplaced.remove(f.proposalIds().get(i));
            if (p == null) {
                continue; // its deadline passed
            }
            if (!f.placed()) {
                applier.recentResults().placementSettled();
                p.future.completeExceptionally(f.outcomeUnknown()
                        ? new RaftTimeoutException("the proposal was forwarded to the leader, which did not answer"
                                + " where it put it; its outcome is unknown")
                        : new NotLeaderException(self, f.leader()));
                continue;
            }
            p.index = f.firstIndex() + i;
            p.pending = new PendingProposal(f.term(), p.future);
            applier.expectForwarded(p.index, p.pending);
        }
    }

    /** Fails every proposal still waiting for its placement (the node closes or stopped). */
    void failAll(Throwable failure) {
        unplaced.values().forEach(p -> p.future.completeExceptionally(failure));
        unplaced.clear();
    }
}
