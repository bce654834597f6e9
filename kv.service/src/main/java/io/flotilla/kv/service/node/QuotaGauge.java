package io.flotilla.kv.service.node;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * etcd's backend quota check ({@code backendQuota.Available} in server/etcdserver/quota.go): whether the backend's
 * size plus a write's cost reaches the quota.
 *
 * <p>Asking a backend for its size costs (RocksDB sums properties of every column family), so far from the quota a
 * size read up to {@link #SIZE_CACHE_NANOS} ago is used again, as etcd uses a size as old as its last backend commit
 * (up to 100 ms). A cached size alone would let a burst of writes inside that window pass the quota unseen, so the
 * gauge adds what the writes it let through since the read can have grown the store: twice their cost, a bound on
 * what a put adds (its record, its key's index and revision entries, and the memtable's overhead). Whenever that estimate comes within a quarter of the
 * quota the size is read again, so that close to the quota every decision is made on the backend's own figure.
 */
final class QuotaGauge {

    /** How long a backend size read is used again while the quota is far. */
    static final long SIZE_CACHE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final long quotaBytes;
    private final LongSupplier backendSize;
    private final LongSupplier nanoClock;
    /** The size as last read, and when ({@link #nanoClock}). */
    private volatile long cachedSize;
    private volatile long cachedSizeNanos;
    /** The costs of the writes let through since the size was read. */
    private final AtomicLong admittedSinceRead = new AtomicLong();

    /**
     * @param quotaBytes  the quota; {@link Long#MAX_VALUE} for none
     * @param backendSize reads the backend's size on disk
     * @param nanoClock   {@link System#nanoTime()} in production
     */
    QuotaGauge(long quotaBytes, LongSupplier backendSize, LongSupplier nanoClock) {
        this.quotaBytes = quotaBytes;
        this.backendSize = backendSize;
        this.nanoClock = nanoClock;
        this.cachedSizeNanos = nanoClock.getAsLong() - SIZE_CACHE_NANOS - 1;
    }

    /**
     * Whether a write of this cost would take the backend to its quota; a write that does not is counted as let
     * through.
     *
     * @param cost the write's cost ({@link io.flotilla.kv.service.mvcc.Quota}); positive
     * @return true if the write must be refused
     */
    boolean exceeds(long cost) {
        if (quotaBytes == Long.MAX_VALUE) {
            return false;
        }
        long now = nanoClock.getAsLong();
        long estimate = cachedSize + 2 * admittedSinceRead.get();
        if (now - cachedSizeNanos > SIZE_CACHE_NANOS || estimate + cost >= quotaBytes - quotaBytes / 4) {
            // Reset before reading: a write let through meanwhile is counted against the next read, never lost.
            admittedSinceRead.set(0);
            estimate = backendSize.getAsLong();
            cachedSize = estimate;
            cachedSizeNanos = now;
        }
        if (estimate + cost >= quotaBytes) {
            return true;
        }
        admittedSinceRead.addAndGet(cost);
        return false;
    }
}
