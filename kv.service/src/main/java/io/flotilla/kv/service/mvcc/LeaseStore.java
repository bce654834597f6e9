package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.backend.BackendReader;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpoint;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The replicated leases (etcd's lessor, minus the clock): each lease's ID, granted TTL and last checkpointed remaining
 * TTL, in the backend's {@value MvccLayout#LEASES} table and mirrored in memory, and the keys attached to each, in
 * {@value MvccLayout#LEASE_KEYS} (the store maintains it as keys are put and deleted). When a lease expires is not
 * replicated: the leader decides it and proposes a revoke, which every member applies here.
 *
 * <p>Changed on the apply thread only; {@link #get}, {@link #all} and {@link #keys} may be called from any thread.
 */
public final class LeaseStore {

    /**
     * A lease as every member knows it.
     *
     * @param id           the lease ID
     * @param ttl          the granted time to live, seconds
     * @param remainingTtl the remaining time to live the leader last checkpointed, seconds; 0 if never
     */
    public record Lease(long id, long ttl, long remainingTtl) {
    }

    /** Told on the apply thread when a lease comes or goes (the leader's expiry clock follows). */
    public interface Listener {
        /** A lease was granted. */
        void granted(Lease lease);

        /** A lease was revoked. */
        void revoked(long id);

        /** Every lease may have changed (a snapshot was installed). */
        void reloaded();
    }

    private final MvccStore store;
    private final Table leases;
    private final Table leaseKeys;
    private final Map<Long, Lease> byId = new ConcurrentHashMap<>();
    private volatile Listener listener;

    /**
     * Loads the leases of a store.
     *
     * @param store the store
     */
    public LeaseStore(MvccStore store) {
        this.store = store;
        this.leases = store.backend().table(MvccLayout.LEASES);
        this.leaseKeys = store.backend().table(MvccLayout.LEASE_KEYS);
        reload();
    }

    /** Re-reads the leases from the backend (after a snapshot replaced its content). */
    public void reload() {
        byId.clear();
        try (Cursor c = store.backend().cursor(leases, new byte[0], null)) {
            for (; c.valid(); c.next()) {
                Lease l = decode(c.key(), c.value());
                byId.put(l.id(), l);
            }
        }
        Listener l = listener;
        if (l != null) {
            l.reloaded();
        }
    }

    /**
     * Sets who is told about grants and revokes.
     *
     * @param listener the listener
     */
    public void listen(Listener listener) {
        this.listener = listener;
    }

    /** {@return the lease, or null if there is none with this ID} */
    public Lease get(long id) {
        return byId.get(id);
    }

    /** {@return whether a lease exists} */
    public boolean exists(long id) {
        return byId.containsKey(id);
    }

    /** {@return every lease} */
    public Collection<Lease> all() {
        return List.copyOf(byId.values());
    }

    /**
     * Lists the keys attached to a lease as a view holds them, in key order.
     *
     * @param view a view of the store
     * @param id   the lease
     * @return the keys
     */
    public List<ByteString> keys(MvccView view, long id) {
        return keys(view.backendView(), id);
    }

    private List<ByteString> keys(BackendReader reader, long id) {
        List<ByteString> out = new ArrayList<>();
        byte[] from = ByteBuffer.allocate(8).putLong(id).array();
        byte[] to = id == Long.MAX_VALUE ? null : ByteBuffer.allocate(8).putLong(id + 1).array();
        try (Cursor c = reader.cursor(leaseKeys, from, to)) {
            for (; c.valid(); c.next()) {
                byte[] k = c.key();
                out.add(ByteString.copyFrom(k, 8, k.length - 8));
            }
        }
        return out;
    }

    /**
     * Grants a lease (etcd's {@code Grant}; the proposing member chose the ID and raised the TTL to the minimum).
     *
     * @param id  the ID, not 0
     * @param ttl the time to live, seconds
     * @return the lease
     * @throws KvException {@link KvError#LEASE_EXISTS} if the ID is in use
     */
    Lease grant(long id, long ttl) {
        if (byId.containsKey(id)) {
            throw KvError.LEASE_EXISTS.exception();
        }
        Lease lease = new Lease(id, ttl, 0);
        store.groupWrite(leases, idBytes(id), encode(lease));
        byId.put(id, lease);
        Listener l = listener;
        if (l != null) {
            l.granted(lease);
        }
        return lease;
    }

    /**
     * Revokes a lease: deletes every key attached to it, in one revision (watchers see the deletes), and the lease.
     *
     * @param id the lease
     * @return the store revision afterwards
     * @throws KvException {@link KvError#LEASE_NOT_FOUND} if there is no such lease
     */
    long revoke(long id) {
        if (!byId.containsKey(id)) {
            throw KvError.LEASE_NOT_FOUND.exception();
        }
        store.flush(); // the attachments of keys changed in the current group are read from the backend
        MvccStore.WriteBatch batch = store.beginWrite();
        for (ByteString key : keys(store.backend(), id)) {
            batch.deleteRange(new KeyRange(key, null, true));
        }
        batch.alsoWrite(leases, idBytes(id), null);
        long revision = batch.end();
        byId.remove(id);
        Listener l = listener;
        if (l != null) {
            l.revoked(id);
        }
        return revision;
    }

    /**
     * Records the remaining TTLs the leader checkpointed (etcd's lease checkpoint), so that a new leader restarts no
     * lease's full TTL. Leases that are gone are skipped.
     *
     * @param checkpoints the leases and their remaining TTLs
     */
    void checkpoint(List<LeaseCheckpoint> checkpoints) {
        for (LeaseCheckpoint cp : checkpoints) {
            Lease old = byId.get(cp.getID());
            if (old == null) {
                continue;
            }
            Lease updated = new Lease(old.id(), old.ttl(), cp.getRemainingTTL());
            store.groupWrite(leases, idBytes(updated.id()), encode(updated));
            byId.put(updated.id(), updated);
        }
    }

    private static byte[] idBytes(long id) {
        return ByteBuffer.allocate(8).putLong(id).array();
    }

    private static byte[] encode(Lease lease) {
        return ByteBuffer.allocate(16).putLong(lease.ttl()).putLong(lease.remainingTtl()).array();
    }

    private static Lease decode(byte[] key, byte[] value) {
        ByteBuffer v = ByteBuffer.wrap(value);
        return new Lease(ByteBuffer.wrap(key).getLong(), v.getLong(), v.getLong());
    }
}
