package io.flotilla.kv.service.node;

import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpoint;
import io.flotilla.kv.service.mvcc.LeaseStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * When each lease expires, as the leader sees it (etcd's lessor clock): a deadline per lease while this member leads,
 * none otherwise (a follower's leases never expire by themselves; the leader revokes them through Raft). A new leader
 * gives each lease its checkpointed remaining TTL, or its full TTL, plus an election timeout (etcd's {@code Promote}),
 * so that leadership moving never expires a lease whose holder kept it alive.
 */
final class LeaseClock implements LeaseStore.Listener {

    private final LeaseStore store;
    private final LongSupplier nanos;
    private final long extendNanos;
    private final Map<Long, Long> deadlines = new HashMap<>();
    private final Set<Long> revoking = new HashSet<>();
    private boolean leader;

    /**
     * @param store       the replicated leases
     * @param nanos       the clock ({@link System#nanoTime()} or a test's)
     * @param extendNanos what a new leader adds to every lease: an election timeout
     */
    LeaseClock(LeaseStore store, LongSupplier nanos, long extendNanos) {
        this.store = store;
        this.nanos = nanos;
        this.extendNanos = extendNanos;
    }

    synchronized void leadershipChanged(boolean nowLeader) {
        if (nowLeader == leader) {
            return;
        }
        leader = nowLeader;
        deadlines.clear();
        revoking.clear();
        if (leader) {
            long now = nanos.getAsLong();
            for (LeaseStore.Lease l : store.all()) {
                long seconds = l.remainingTtl() > 0 ? l.remainingTtl() : l.ttl();
                deadlines.put(l.id(), now + extendNanos + TimeUnit.SECONDS.toNanos(seconds));
            }
        }
    }

    @Override
    public synchronized void granted(LeaseStore.Lease lease) {
        if (leader) {
            deadlines.put(lease.id(), nanos.getAsLong() + TimeUnit.SECONDS.toNanos(lease.ttl()));
        }
    }

    @Override
    public synchronized void revoked(long id) {
        deadlines.remove(id);
        revoking.remove(id);
    }

    @Override
    public synchronized void reloaded() {
        if (leader) {
            leader = false;
            leadershipChanged(true);
        }
    }

    /**
     * Restarts a lease's TTL; returns it, or 0 if the lease has expired (its revoke is under way: etcd answers a
     * renewal of an expired lease as if it did not exist) or this member does not lead.
     */
    synchronized long renew(long id) {
        LeaseStore.Lease lease = store.get(id);
        Long deadline = deadlines.get(id);
        long now = nanos.getAsLong();
        if (!leader || lease == null || deadline == null || deadline <= now || revoking.contains(id)) {
            return 0;
        }
        deadlines.put(id, now + TimeUnit.SECONDS.toNanos(lease.ttl()));
        return lease.ttl();
    }

    /** {@return the whole seconds left before a lease expires (etcd truncates too); -1 if it has or is unknown} */
    synchronized long remainingSeconds(long id) {
        Long deadline = deadlines.get(id);
        if (deadline == null) {
            return -1;
        }
        long left = deadline - nanos.getAsLong();
        return left <= 0 ? -1 : TimeUnit.NANOSECONDS.toSeconds(left);
    }

    /** {@return up to {@code max} expired leases whose revoke is not under way yet; they are marked under way} */
    synchronized List<Long> expired(int max) {
        List<Long> out = new ArrayList<>();
        if (!leader) {
            return out;
        }
        long now = nanos.getAsLong();
        for (Map.Entry<Long, Long> e : deadlines.entrySet()) {
            if (out.size() == max) {
                break;
            }
            if (e.getValue() <= now && revoking.add(e.getKey())) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** A revoke was not applied (no longer leader, a timeout): the lease may be tried again. */
    synchronized void revokeFailed(long id) {
        revoking.remove(id);
    }

    /** {@return the remaining TTLs of leases that have run down part of their TTL, for a checkpoint} */
    synchronized List<LeaseCheckpoint> checkpoints() {
        List<LeaseCheckpoint> out = new ArrayList<>();
        if (!leader) {
            return out;
        }
        long now = nanos.getAsLong();
        for (Map.Entry<Long, Long> e : deadlines.entrySet()) {
            LeaseStore.Lease lease = store.get(e.getKey());
            long left = TimeUnit.NANOSECONDS.toSeconds(e.getValue() - now);
            if (lease != null && left > 0 && left < lease.ttl() && !revoking.contains(e.getKey())) {
                out.add(LeaseCheckpoint.newBuilder().setID(e.getKey()).setRemainingTTL(left).build());
            }
        }
        return out;
    }
}
