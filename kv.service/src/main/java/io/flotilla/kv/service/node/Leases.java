package io.flotilla.kv.service.node;

import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.command.StoreStatsRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpoint;
import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpointRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseLeasesResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseStatus;
import io.flotilla.kv.service.internal.proto.etcd.LeaseTimeToLiveRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseTimeToLiveResponse;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.service.mvcc.LeaseStore;
import io.flotilla.kv.service.mvcc.MvccView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's side of etcd's leases. The leases themselves are replicated ({@link LeaseStore}); when they expire is
 * not: the leader alone keeps a deadline per lease ({@link LeaseClock}) and proposes the revoke of each expired one
 * (every {@value #EXPIRY_CHECK_MILLIS} ms, at most {@value #REVOKES_PER_CHECK} per check, etcd's revoke rate of 1000/s),
 * renews leases on keep-alives, and checkpoints remaining TTLs every {@link #checkpointIntervalMillis} so that a new
 * leader continues them instead of restarting them (etcd's lease checkpoint). Followers hand keep-alives and
 * time-to-live questions to the leader. A new leader gives every lease its remaining TTL plus an election timeout
 * (etcd's {@code Promote}), so no lease expires because leadership moved.
 */
public final class Leases {

    /** etcd's {@code MaxLeaseTTL}. */
    static final long MAX_TTL_SECONDS = 9_000_000_000L;
    /** How often the leader looks for expired leases (etcd: 500 ms). */
    static final long EXPIRY_CHECK_MILLIS = 500;
    /** Revokes proposed per check at most (etcd's {@code leaseRevokeRate} 1000/s over 500 ms). */
    static final int REVOKES_PER_CHECK = 500;
    /** Remaining TTLs per checkpoint command at most (etcd's {@code maxLeaseCheckpointBatchSize}). */
    static final int CHECKPOINTS_PER_COMMAND = 1000;
    /** etcd's default checkpoint interval. */
    static final long DEFAULT_CHECKPOINT_INTERVAL_MILLIS = TimeUnit.MINUTES.toMillis(5);

    private static final Logger LOG = LoggerFactory.getLogger(Leases.class);

    private final KvNode node;
    private final LeaseStore store;
    private final LeaseClock clock;
    private final long minTtlSeconds;
    private final long memberId;
    private final AtomicLong idSuffix = new AtomicLong(System.currentTimeMillis() << 20);
    final long checkpointIntervalMillis;

    Leases(KvNode node, LeaseStore store, long electionTimeoutMillis, long memberId, long checkpointIntervalMillis) {
        this.node = node;
        this.store = store;
        // etcd: minTTL = ceil(1.5 election timeouts), so a lease outlives the election that may follow a leader's loss.
        this.minTtlSeconds = Math.max(1, (long) Math.ceil(1.5 * electionTimeoutMillis / 1000.0));
        this.clock = new LeaseClock(store, System::nanoTime, TimeUnit.MILLISECONDS.toNanos(electionTimeoutMillis));
        this.memberId = memberId;
        this.checkpointIntervalMillis = checkpointIntervalMillis;
        store.listen(clock);
    }

    /** {@return the shortest TTL a lease gets, seconds (shorter requests are raised to it, as etcd does)} */
    public long minTtlSeconds() {
        return minTtlSeconds;
    }

    /** The member became the leader, or stopped being it. */
    void leadershipChanged(boolean leader) {
        clock.leadershipChanged(leader);
    }

    /**
     * etcd's {@code LeaseGrant}: a TTL below the minimum is raised to it; ID 0 gets one chosen by this member.
     *
     * @param r the request
     * @return the granted lease
     */
    public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r) {
        if (r.getTTL() > MAX_TTL_SECONDS) {
            return CompletableFuture.failedFuture(KvError.LEASE_TTL_TOO_LARGE.exception());
        }
        long id = r.getID() != 0 ? r.getID() : nextId();
        LeaseGrantRequest chosen = LeaseGrantRequest.newBuilder().setID(id)
                .setTTL(Math.max(r.getTTL(), minTtlSeconds)).build();
        return node.write(Command.newBuilder().setLeaseGrant(chosen).build())
                .thenApply(result -> result.getLeaseGrant().toBuilder()
                        .setHeader(node.header(result.getLeaseGrant().getHeader().getRevision())).build());
    }

    /** etcd's ID generator: this member's id in the top bits, a counter started from the clock below. */
    private long nextId() {
        long id = ((memberId & 0xFFFF) << 47 | (idSuffix.incrementAndGet() & ((1L << 47) - 1))) & Long.MAX_VALUE;
        return id == 0 ? nextId() : id;
    }

    /**
     * etcd's {@code LeaseRevoke}: the lease and every key attached to it go, through Raft.
     *
     * @param r the request
     * @return the answer; fails with "requested lease not found"
     */
    public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
        return node.write(Command.newBuilder().setLeaseRevoke(r).build())
                .thenApply(result -> LeaseRevokeResponse.newBuilder()
                        .setHeader(node.header(result.getLeaseRevoke().getHeader().getRevision())).build());
    }

    /**
     * One keep-alive: the leader restarts the lease's TTL; a follower asks the leader. An unknown or expired lease
     * gets TTL 0, as from etcd.
     *
     * @param id the lease
     * @return the answer
     */
    public CompletableFuture<LeaseKeepAliveResponse> renew(long id) {
        Query q = Query.newBuilder().setLeaseRenew(LeaseKeepAliveRequest.newBuilder().setID(id)).build();
        return askLeader(q).thenApply(QueryResult::getLeaseRenew)
                .thenApply(r -> r.toBuilder().setHeader(node.header(node.revision())).build());
    }

    /**
     * etcd's {@code LeaseTimeToLive}, from the leader: remaining seconds (-1 if there is no such lease), the granted
     * TTL and, if asked, the attached keys.
     *
     * @param r the request
     * @return the answer
     */
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        return askLeader(Query.newBuilder().setLeaseTimeToLive(r).build()).thenApply(QueryResult::getLeaseTimeToLive)
                .thenApply(t -> t.toBuilder().setHeader(node.header(node.revision())).build());
    }

    /** {@return etcd's {@code LeaseLeases}: every lease this member knows} */
    public LeaseLeasesResponse list() {
        LeaseLeasesResponse.Builder r = LeaseLeasesResponse.newBuilder().setHeader(node.header(node.revision()));
        store.all().stream().map(LeaseStore.Lease::id).sorted()
                .forEach(id -> r.addLeases(LeaseStatus.newBuilder().setID(id)));
        return r.build();
    }

    private CompletableFuture<QueryResult> askLeader(Query q) {
        if (node.isLeader()) {
            return answerAsLeader(q);
        }
        return node.leaderAddress().thenCompose(leader -> node.forwarder().query(leader, q,
                node.requestTimeoutMillis()));
    }

    /**
     * Answers a lease question as the leader. A lease this member does not know yet may have been granted in an entry
     * it has not applied (it became leader a moment ago): before answering "no such lease" it waits until it has
     * applied everything committed (a linearizable read), as etcd's leader waits for its applied index.
     *
     * @param q a lease renewal or time-to-live
     * @return the answer; fails with "not leader" if this member no longer leads
     */
    CompletableFuture<QueryResult> answerAsLeader(Query q) {
        long id = q.hasLeaseRenew() ? q.getLeaseRenew().getID() : q.getLeaseTimeToLive().getID();
        if (store.exists(id)) {
            return answerNow(q);
        }
        return node.read(Query.newBuilder().setStats(StoreStatsRequest.getDefaultInstance()).build(), false)
                .thenCompose(applied -> answerNow(q));
    }

    private CompletableFuture<QueryResult> answerNow(Query q) {
        try {
            return CompletableFuture.completedFuture(answerLocally(q));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private QueryResult answerLocally(Query q) {
        if (!node.isLeader()) {
            throw NodeError.NOT_LEADER.exception();
        }
        if (q.hasLeaseRenew()) {
            long id = q.getLeaseRenew().getID();
            LeaseStore.Lease lease = store.get(id);
            long ttl = lease == null ? 0 : clock.renew(id);
            if (ttl > 0 && lease.remainingTtl() > 0) {
                // A checkpointed remaining TTL would shorten the lease under a new leader: clear it (as etcd does).
                checkpoint(List.of(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(0).build()));
            }
            return QueryResult.newBuilder().setLeaseRenew(LeaseKeepAliveResponse.newBuilder().setID(id)
                    .setTTL(ttl)).build();
        }
        LeaseTimeToLiveRequest r = q.getLeaseTimeToLive();
        LeaseStore.Lease lease = store.get(r.getID());
        long remaining = lease == null ? -1 : clock.remainingSeconds(r.getID());
        LeaseTimeToLiveResponse.Builder t = LeaseTimeToLiveResponse.newBuilder().setID(r.getID()).setTTL(remaining);
        if (lease != null && remaining >= 0) {
            t.setGrantedTTL(lease.ttl());
            if (r.getKeys()) {
                try (MvccView view = node.store().openView()) {
                    t.addAllKeys(store.keys(view, r.getID()));
                }
            }
        } else {
            t.setTTL(-1);
        }
        return QueryResult.newBuilder().setLeaseTimeToLive(t).build();
    }

    /** Runs on the member's timer: the leader proposes the revoke of each expired lease. */
    void revokeExpired() {
        for (long id : clock.expired(REVOKES_PER_CHECK)) {
            node.proposeLocally(Command.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id))
                    .build()).whenComplete((result, failure) -> {
                        if (failure != null) {
                            clock.revokeFailed(id); // tried again at the next check, if still leading
                        } else {
                            LOG.debug("lease {} expired and was revoked", Long.toHexString(id));
                        }
                    });
        }
    }

    /** Runs on the member's timer: the leader records the remaining TTLs of leases that have run for a while. */
    void checkpointAll() {
        List<LeaseCheckpoint> all = clock.checkpoints();
        for (int i = 0; i < all.size(); i += CHECKPOINTS_PER_COMMAND) {
            checkpoint(all.subList(i, Math.min(all.size(), i + CHECKPOINTS_PER_COMMAND)));
        }
    }

    private void checkpoint(List<LeaseCheckpoint> checkpoints) {
        node.proposeLocally(Command.newBuilder().setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder()
                .addAllCheckpoints(new ArrayList<>(checkpoints))).build()).whenComplete((r, f) -> {
                    if (f != null) {
                        LOG.debug("lease checkpoint not applied: {}", f.toString());
                    }
                });
    }
}
