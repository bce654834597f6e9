package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.NotLeaderException;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftTimeoutException;
import io.flotilla.raft.core.protocol.RaftProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Leadership transfers requested through {@link io.flotilla.raft.api.RaftNode#transferLeadership}, until the target
 * leads or the transfer runs out of time (thesis §3.10). Used on the event loop only.
 */
final class LeadershipTransfers {

    private record Pending(NodeId target, CompletableFuture<Void> future, long deadlineNanos) {
    }

    private final NodeId self;
    private final RaftOptions options;
    private final List<Pending> pending = new ArrayList<>();

    LeadershipTransfers(NodeId self, RaftOptions options) {
        this.self = self;
        this.options = options;
    }

    /** Asks the protocol to hand leadership to {@code target}; the future completes once it leads, or fails. */
    void start(RaftProtocol protocol, NodeId target, CompletableFuture<Void> future, long now) {
        boolean started;
        try {
            started = protocol.transferLeadership(target);
        } catch (IllegalArgumentException e) {
            future.completeExceptionally(e);
            return;
        }
        if (!started) {
            future.completeExceptionally(new NotLeaderException(self, protocol.leader()));
            return;
        }
        // The protocol gives up after the shortest election timeout; allow the election itself on top of that.
        long deadline = now + (options.electionTimeoutMinMillis() + options.electionTimeoutMaxMillis()) * 1_000_000L;
        pending.add(new Pending(target, future, deadline));
    }

    /** Completes the transfers whose target now leads, and fails those past their deadline. */
    void settle(RaftProtocol protocol, long now) {
        pending.removeIf(t -> {
            if (t.target().equals(protocol.leader())) {
                t.future().complete(null);
                return true;
            }
            if (now - t.deadlineNanos() >= 0) {
                t.future().completeExceptionally(new RaftTimeoutException("leadership transfer to " + t.target()
                        + " did not complete in time; the leader is " + protocol.leader()));
                return true;
            }
            return false;
        });
    }

    /** Fails every pending transfer (the member is closing or stopped). */
    void failAll(Throwable error) {
        pending.forEach(t -> t.future().completeExceptionally(error));
        pending.clear();
    }
}
