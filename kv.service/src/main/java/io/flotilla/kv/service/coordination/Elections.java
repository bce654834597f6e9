package io.flotilla.kv.service.coordination;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.election.CampaignRequest;
import io.flotilla.kv.service.internal.proto.election.CampaignResponse;
import io.flotilla.kv.service.internal.proto.election.LeaderKey;
import io.flotilla.kv.service.internal.proto.election.LeaderRequest;
import io.flotilla.kv.service.internal.proto.election.LeaderResponse;
import io.flotilla.kv.service.internal.proto.election.ProclaimRequest;
import io.flotilla.kv.service.internal.proto.election.ProclaimResponse;
import io.flotilla.kv.service.internal.proto.election.ResignRequest;
import io.flotilla.kv.service.internal.proto.election.ResignResponse;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchCreateRequest;
import io.flotilla.kv.service.internal.proto.mvcc.Event;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import io.flotilla.kv.service.mvcc.KeyRange;
import io.flotilla.kv.service.node.KvNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * etcd's election service ({@code v3election}), with the algorithm of etcd's {@code concurrency.Election}: a candidate
 * puts {@code name/<lease in hex>} with its value and lease; the key created first under {@code name/} is the
 * leader, whose value is the election's; a candidate becomes leader once every key created before its own is deleted
 * (resigned, or its lease expired). While a campaign waits, its lease is kept alive here, as etcd's server session does.
 * Proclaim and Resign act only while the caller's key still has the create revision it won with.
 */
public final class Elections {

    /** etcd's {@code concurrency.ErrElectionNotLeader}. */
    static final String NOT_LEADER = "election: not leader";
    /** etcd's {@code concurrency.ErrElectionNoLeader}. */
    static final String NO_LEADER = "election: no leader";
    /** etcd's {@code v3election.ErrMissingLeaderKey}. */
    static final String MISSING_LEADER_KEY = "\"leader\" field must be provided";

    private final Recipes recipes;
    private final KvNode node;

    /**
     * @param node the member
     */
    public Elections(KvNode node) {
        this.node = node;
        this.recipes = new Recipes(node);
    }

    /**
     * Renews a lease every third of its TTL until {@code until} completes: etcd's server keeps a campaign's lease
     * alive while the campaign waits (its session), so a candidate does not lose its place in line meanwhile.
     */
    private void keepAliveWhile(long lease, CompletableFuture<?> until) {
        if (until.isDone()) {
            return;
        }
        node.leases().renew(lease).whenComplete((r, f) -> {
            if (until.isDone() || (r != null && r.getTTL() <= 0)) {
                return; // done, or the lease is gone (the campaign then fails by itself)
            }
            long ttlMillis = r == null ? 1_000 : r.getTTL() * 1_000;
            CompletableFuture.delayedExecutor(Math.max(100, ttlMillis / 3), TimeUnit.MILLISECONDS)
                    .execute(() -> keepAliveWhile(lease, until));
        });
    }

    /**
     * Campaigns; completes once the caller leads. Cancel the future when the client goes away.
     *
     * @param r the request: name, lease, value
     * @return the leader key to proclaim and resign with
     */
    public Cancellable<CampaignResponse> campaign(CampaignRequest r) {
        Scope scope = new Scope();
        ByteString prefix = Recipes.prefix(r.getName());
        ByteString key = Recipes.keyOf(prefix, r.getLease());
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(key, 0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
                        .setValue(r.getValue()).setLease(r.getLease())))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                .build();
        CompletableFuture<CampaignResponse> done = scope.step(recipes.txn(txn)).thenCompose(resp -> {
            long rev = resp.getSucceeded() ? resp.getHeader().getRevision()
                    : resp.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
            LeaderKey leader = LeaderKey.newBuilder().setName(r.getName()).setKey(key).setRev(rev)
                    .setLease(r.getLease()).build();
            CompletableFuture<?> proclaimed = CompletableFuture.completedFuture(null);
            if (!resp.getSucceeded() && !resp.getResponses(0).getResponseRange().getKvs(0).getValue()
                    .equals(r.getValue())) {
                proclaimed = proclaim(ProclaimRequest.newBuilder().setLeader(leader).setValue(r.getValue()).build());
            }
            ResponseHeader header = resp.getHeader();
            return proclaimed.thenCompose(p -> recipes.waitDeletes(prefix, rev - 1, scope))
                    .thenApply(h -> CampaignResponse.newBuilder().setHeader(recipes.header(header.getRevision()))
                            .setLeader(leader).build())
                    .whenComplete((v, f) -> {
                        if (f != null && scope.cancelled()) {
                            resign(ResignRequest.newBuilder().setLeader(leader).build()); // etcd resigns on cancel
                        }
                    });
        });
        keepAliveWhile(r.getLease(), done);
        return new Cancellable<>(done, scope);
    }

    /**
     * Changes the leader's value, if the caller still leads.
     *
     * @param r the leader key and the value
     * @return the answer; fails with "election: not leader"
     */
    public CompletableFuture<ProclaimResponse> proclaim(ProclaimRequest r) {
        if (!r.hasLeader()) {
            return CompletableFuture.failedFuture(Recipes.plain(MISSING_LEADER_KEY));
        }
        LeaderKey l = r.getLeader();
        TxnRequest txn = TxnRequest.newBuilder().addCompare(Recipes.createRevisionIs(l.getKey(), l.getRev()))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(l.getKey())
                        .setValue(r.getValue()).setLease(l.getLease())))
                .build();
        return recipes.txn(txn).thenApply(t -> {
            if (!t.getSucceeded()) {
                throw Recipes.plain(NOT_LEADER);
            }
            return ProclaimResponse.newBuilder().setHeader(recipes.header(t.getHeader().getRevision())).build();
        });
    }

    /**
     * Gives up leadership (deletes the caller's key if it is still the one it won with).
     *
     * @param r the leader key
     * @return the answer
     */
    public CompletableFuture<ResignResponse> resign(ResignRequest r) {
        if (!r.hasLeader()) {
            return CompletableFuture.failedFuture(Recipes.plain(MISSING_LEADER_KEY));
        }
        LeaderKey l = r.getLeader();
        TxnRequest txn = TxnRequest.newBuilder().addCompare(Recipes.createRevisionIs(l.getKey(), l.getRev()))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(l.getKey())))
                .build();
        return recipes.txn(txn).thenApply(t -> ResignResponse.newBuilder()
                .setHeader(recipes.header(t.getHeader().getRevision())).build());
    }

    /**
     * The current leader's key and value.
     *
     * @param r the election's name
     * @return the answer; fails with "election: no leader"
     */
    public CompletableFuture<LeaderResponse> leader(LeaderRequest r) {
        return recipes.range(Recipes.firstCreated(Recipes.prefix(r.getName()))).thenApply(g -> {
            if (g.getKvsCount() == 0) {
                throw Recipes.plain(NO_LEADER);
            }
            return LeaderResponse.newBuilder().setHeader(recipes.header(g.getHeader().getRevision()))
                    .setKv(g.getKvs(0)).build();
        });
    }

    /**
     * etcd's {@code Observe}: the leader's key and value now (or as soon as there is one), then every change of its
     * value, then the next leader once it is deleted, until cancelled.
     *
     * @param r    the election's name
     * @param sink told each leader record, in order
     * @param end  told if observing fails (the member stops)
     * @return cancels the observation
     */
    public Scope observe(LeaderRequest r, Consumer<LeaderResponse> sink, Consumer<Throwable> end) {
        Scope scope = new Scope();
        observeNext(Recipes.prefix(r.getName()), sink, end, scope);
        return scope;
    }

    private void observeNext(ByteString prefix, Consumer<LeaderResponse> sink, Consumer<Throwable> end, Scope scope) {
        scope.step(recipes.range(Recipes.firstCreated(prefix))).thenCompose(g -> {
            if (g.getKvsCount() > 0) {
                return CompletableFuture.completedFuture(new Found(g.getHeader().getRevision(), g.getKvs(0)));
            }
            // No leader yet: wait for the first put under the prefix.
            CompletableFuture<Found> first = new CompletableFuture<>();
            Recipes.Watch w = recipes.watch(WatchCreateRequest.newBuilder().setKey(prefix)
                    .setRangeEnd(KeyRange.prefixEnd(prefix)).setStartRevision(g.getHeader().getRevision()), resp -> {
                        for (Event e : resp.getEventsList()) {
                            if (e.getType() == Event.EventType.PUT) {
                                first.complete(new Found(resp.getHeader().getRevision(), e.getKv()));
                                return;
                            }
                        }
                    }, first::completeExceptionally);
            first.whenComplete((v, f) -> w.close());
            return scope.step(first);
        }).thenCompose(found -> {
            long revision = found.revision();
            KeyValue kv = found.kv();
            sink.accept(LeaderResponse.newBuilder().setHeader(recipes.header(revision)).setKv(kv).build());
            // Follow the leader's key: each new value is sent; its deletion means the next leader.
            CompletableFuture<Void> deleted = new CompletableFuture<>();
            Recipes.Watch w = recipes.watch(WatchCreateRequest.newBuilder().setKey(kv.getKey())
                    .setStartRevision(revision + 1), resp -> {
                        for (Event e : resp.getEventsList()) {
                            if (e.getType() == Event.EventType.DELETE) {
                                deleted.complete(null);
                                return;
                            }
                            sink.accept(LeaderResponse.newBuilder().setHeader(recipes.header(
                                    resp.getHeader().getRevision())).setKv(e.getKv()).build());
                        }
                    }, deleted::completeExceptionally);
            deleted.whenComplete((v, f) -> w.close());
            return scope.step(deleted);
        }).whenComplete((v, f) -> {
            if (f != null) {
                if (!scope.cancelled()) {
                    end.accept(f);
                }
                return;
            }
            observeNext(prefix, sink, end, scope);
        });
    }

    /** A leader record and the revision it was read at. */
    private record Found(long revision, KeyValue kv) {
    }
}
