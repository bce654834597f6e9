package io.flotilla.raft.core.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * A proposal this member appended as leader, waiting for its entry to be applied. The term tells whether the entry
 * applied at its index is really this proposal or a later leader's entry that replaced it.
 */
record PendingProposal(long term, CompletableFuture<byte[]> future) {
}
