package io.flotilla.kv.service.coordination;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.etcd.TxnResponse;
import io.flotilla.kv.service.internal.proto.lock.LockRequest;
import io.flotilla.kv.service.internal.proto.lock.LockResponse;
import io.flotilla.kv.service.internal.proto.lock.UnlockRequest;
import io.flotilla.kv.service.internal.proto.lock.UnlockResponse;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import io.flotilla.kv.service.node.KvNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's lock service ({@code v3lock}), with the algorithm of etcd's {@code concurrency.Mutex}: a waiter puts the key
 * {@code name/<lease in hex>} with its lease (one per lease, so a lease re-locking the same name gets its own key
 * back); the key created first under {@code name/} holds the lock; every other waiter waits for the deletion of the
 * key created just before its own (so a release wakes one waiter, not all), then checks its key still exists (its
 * lease may have expired meanwhile: "mutex: session is expired"). Unlock deletes the key. A holder's lease expiring
 * deletes its key, which hands the lock on.
 */
public final class Locks {

    /** etcd's {@code concurrency.ErrSessionExpired}. */
    static final String SESSION_EXPIRED = "mutex: session is expired";
    /** etcd's default session TTL, for a lock asked with no lease. */
    static final long DEFAULT_SESSION_TTL = 60;

    private final Recipes recipes;
    private final KvNode node;

    /**
     * @param node the member
     */
    public Locks(KvNode node) {
        this.node = node;
        this.recipes = new Recipes(node);
    }

    /**
     * Acquires a lock; completes once held. Cancelling it (the client went away) stops waiting and deletes the
     * waiter's key, as etcd's server does when the request's context ends.
     *
     * @param r the request
     * @return the key that holds the lock
     */
    public Cancellable<LockResponse> lock(LockRequest r) {
        Scope scope = new Scope();
        CompletableFuture<Long> lease = r.getLease() != 0 ? CompletableFuture.completedFuture(r.getLease())
                : node.leases().grant(LeaseGrantRequest.newBuilder().setTTL(DEFAULT_SESSION_TTL).build())
                        .thenApply(g -> g.getID());
        return new Cancellable<>(lease.thenCompose(id -> acquire(r.getName(), id, scope)), scope);
    }

    private CompletableFuture<LockResponse> acquire(ByteString name, long lease, Scope scope) {
        ByteString prefix = Recipes.prefix(name);
        ByteString myKey = Recipes.keyOf(prefix, lease);
        RequestOp getOwner = RequestOp.newBuilder().setRequestRange(Recipes.firstCreated(prefix)).build();
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(myKey, 0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(myKey).setLease(lease)))
                .addSuccess(getOwner)
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(myKey)))
                .addFailure(getOwner)
                .build();
        return scope.step(recipes.txn(txn)).thenCompose(resp -> {
            long myRev = resp.getSucceeded() ? resp.getHeader().getRevision()
                    : resp.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
            List<KeyValue> owner = resp.getResponses(1).getResponseRange().getKvsList();
            if (owner.isEmpty() || owner.get(0).getCreateRevision() == myRev) {
                return CompletableFuture.completedFuture(response(resp.getHeader(), myKey));
            }
            return recipes.waitDeletes(prefix, myRev - 1, scope)
                    .thenCompose(h -> recipes.range(RangeRequest.newBuilder().setKey(myKey).build()))
                    .thenApply(g -> {
                        if (g.getKvsCount() == 0) {
                            throw Recipes.plain(SESSION_EXPIRED);
                        }
                        return response(g.getHeader(), myKey);
                    })
                    .whenComplete((v, f) -> {
                        if (f != null) {
                            delete(myKey); // etcd's Mutex.Lock unlocks when waiting fails or is cancelled
                        }
                    });
        });
    }

    private LockResponse response(ResponseHeader h, ByteString key) {
        return LockResponse.newBuilder().setHeader(recipes.header(h.getRevision())).setKey(key).build();
    }

    private CompletableFuture<TxnResponse> delete(ByteString key) {
        return recipes.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key))).build());
    }

    /**
     * Releases a lock: deletes its key (nothing happens if it is gone).
     *
     * @param r the request
     * @return the answer
     */
    public CompletableFuture<UnlockResponse> unlock(UnlockRequest r) {
        return delete(r.getKey()).thenApply(t -> UnlockResponse.newBuilder()
                .setHeader(recipes.header(t.getHeader().getRevision())).build());
    }
}
