package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendReader;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;

/**
 * The multi-version key space on a {@link Backend}, with etcd's revision rules: one store-wide revision that starts
 * at 1 for an empty store; every write batch (a put, a delete that deletes something, a transaction that changes
 * something) raises it by exactly one, and all changes of a batch carry that revision. Each key keeps its history
 * until compaction, so reads can ask for any revision from the compaction point to the current one. Nothing per key
 * is held on the heap: see {@link MvccLayout} for where things are.
 *
 * <p>Every change is written together with the Raft index of the command that made it ({@link #beginApply}), in one
 * atomic backend batch, so a restarted member knows exactly which commands its state holds. Like etcd's batch
 * transaction, the changes of many commands go to the backend in one such batch: they collect in a <em>group</em>
 * (the backend batch being built, and each changed key's current record in memory, which reads consult first) until
 * {@link #flush()}, which the state machine calls once per batch of applied entries and before anything that reads
 * the backend directly (a view, a compaction, a read below the current revision). A group is bounded
 * ({@link ApplyGroup}). One backend commit per batch of commands
 * instead of one per command is what makes writes cheap: the commit (its journal append and the backend's locking)
 * was most of a put's cost on the apply thread.
 *
 * <p>Not thread-safe: the Raft engine's apply thread drives it. The background {@link Compactor} works on history no
 * read can reach any more, and {@link #revision()} may be read from any thread.
 */
public final class MvccStore implements RangeSource, AutoCloseable {

    /** The revision of an empty store; the first write makes revision 2. */
    public static final long INITIAL_REVISION = 1;

    private static final System.Logger LOG = System.getLogger(MvccStore.class.getName());

    private final Backend backend;
    private final Table keys;
    private final Table legacyLatest;
    private final Table history;
    private final Table revisions;
    private final Table meta;
    private final Table leaseKeys;
    private Compactor compactor;
    private volatile long revision;
    /** Volatile: a view opened on another thread reads it (see {@link #openView()}). */
    private volatile long compactRevision;
    /** The Raft index of the command being applied, written with its changes; 0 when none is (tests). */
    private long applyingIndex;
    private boolean applyRecorded = true;
    private long appliedIndex;
    private final ApplyGroup group;
    private final MvccReads reads;
    /** The changes of the group, for the {@link ChangeListener}: references to records the group holds anyway. */
    private List<StoreChange> groupChanges = new ArrayList<>();
    private volatile ChangeListener listener;
    /** Write-held while {@link #replaceContent} swaps the content; views are opened under the read side. */
    private final ReentrantReadWriteLock replacing = new ReentrantReadWriteLock();
    private volatile LongConsumer commitObserver = nanos -> { };
    /** The revision and the applied index the backend holds. */
    private long flushedRevision;
    private long flushedIndex;

    /**
     * Opens the store kept in a backend (empty or written before by this class) and resumes a compaction a restart
     * interrupted.
     *
     * @param backend the backend, opened with the tables of {@link #tables()}; closed by {@link #close()}
     */
    public MvccStore(Backend backend) {
        this.backend = backend;
        this.keys = backend.table(MvccLayout.KEYS);
        this.legacyLatest = backend.table(MvccLayout.LEGACY_LATEST);
        this.history = backend.table(MvccLayout.HISTORY);
        this.revisions = backend.table(MvccLayout.REVISIONS);
        this.meta = backend.table(MvccLayout.META);
        this.leaseKeys = backend.table(MvccLayout.LEASE_KEYS);
        this.group = new ApplyGroup(backend);
        this.reads = new MvccReads(keys, history);
        this.compactor = new Compactor(backend, history, revisions, meta);
        load();
    }

    /** {@return the tables a backend must be opened with for this store} */
    public static List<String> tables() {
        return MvccLayout.TABLES;
    }

    private void load() {
        long moved = LegacyLayout.migrate(backend, legacyLatest, keys);
        if (moved > 0) {
            LOG.log(System.Logger.Level.INFO, "moved the store to the key index layout: " + moved + " keys");
        }
        long stored = MvccLayout.readLong(backend.get(meta, MvccLayout.REVISION));
        revision = stored == 0 ? INITIAL_REVISION : stored;
        compactRevision = MvccLayout.readLong(backend.get(meta, MvccLayout.SCHEDULED_COMPACT));
        appliedIndex = backend.get(meta, MvccLayout.RESTORING) != null ? 0
                : MvccLayout.readLong(backend.get(meta, MvccLayout.APPLIED_INDEX));
        flushedRevision = revision;
        flushedIndex = appliedIndex;
        compactor.schedule(compactRevision);
    }

    /**
     * Replaces the whole content of the backend: stops the compactor, runs {@code replace}, then re-reads what is
     * kept in memory and restarts the compactor on the new content.
     *
     * @param replace writes the new content to the backend
     */
    void replaceContent(Runnable replace) {
        // Views are not opened while the content is half replaced (tables cleared, refilled in batches, the revision
        // and compaction point not yet loaded): a view taken then would show a history with a hole and an old
        // compaction revision, and a watcher catching up from it would silently skip the missing revisions.
        replacing.writeLock().lock();
        try {
            group.discard(); // changes the new content replaces
            groupChanges.clear();
            compactor.close();
            replace.run();
            compactor = new Compactor(backend, history, revisions, meta);
            load();
        } finally {
            replacing.writeLock().unlock();
        }
        ChangeListener l = listener;
        if (l != null) {
            l.replaced(revision);
        }
    }

    /**
     * Sets who is told about every change once it is written (the watchers); set before the store is applied to.
     *
     * @param listener the listener
     */
    public void listen(ChangeListener listener) {
        this.listener = listener;
    }

    /**
     * Sets who is told how long each backend commit took (etcd's backend commit duration metric).
     *
     * @param observer called on the apply thread with the commit's duration in nanoseconds; must not block
     */
    public void observeCommits(LongConsumer observer) {
        this.commitObserver = observer;
    }

    /**
     * Adds a write outside the key space (a lease) to the group, written with the next {@link #flush()} and the
     * applied index; it changes no revision.
     *
     * @param table the table
     * @param key   the key
     * @param value the value, or null to delete
     */
    void groupWrite(Table table, byte[] key, byte[] value) {
        io.flotilla.kv.backend.WriteBatch batch = group.batch();
        if (value == null) {
            batch.delete(table, key);
        } else {
            batch.put(table, key, value);
        }
    }

    /** A write outside the key space that goes with a write batch; a null value deletes. */
    private record ExtraWrite(Table table, byte[] key, byte[] value) {
    }

    /** Returns the backend underneath. */
    Backend backend() {
        return backend;
    }

    /** Returns the current revision; safe from any thread. */
    public long revision() {
        return revision;
    }

    /** Returns the revision of the last compaction, 0 if none: reads below it fail. */
    public long compactRevision() {
        return compactRevision;
    }

    /**
     * Returns the Raft index of the last command applied (0 if unknown or none); the backend holds it after
     * {@link #flush()}, and after a restart this is the index the backend holds.
     */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** Returns the bytes the backend takes on disk. */
    public long sizeBytes() {
        return backend.sizeBytes();
    }

    /** Returns the bytes the backend's live data needs. */
    public long sizeInUseBytes() {
        return backend.sizeInUseBytes();
    }

    /** Returns the background compactor (to wait for a physical compaction). */
    Compactor compactor() {
        return compactor;
    }

    /**
     * Starts applying the command at a Raft index: the next write batch records it, or {@link #finishApply()} does if
     * the command changes nothing.
     *
     * @param index the command's log index
     */
    public void beginApply(long index) {
        flushIfFull();
        applyingIndex = index;
        applyRecorded = false;
    }

    /** Records the index given to {@link #beginApply} if no write batch has (a read, a refused or empty write). */
    public void finishApply() {
        if (!applyRecorded) {
            recorded();
        }
    }

    private void recorded() {
        applyRecorded = true;
        appliedIndex = Math.max(appliedIndex, applyingIndex);
    }

    /**
     * Writes the group to the backend in one atomic batch, with the store revision and the applied index. Nothing
     * changes if the backend refuses it: calling this again writes the same group.
     *
     * @throws io.flotilla.kv.backend.BackendException if the backend refuses the batch (a full disk, an I/O error)
     */
    public synchronized void flush() {
        if (group.isEmpty() && appliedIndex == flushedIndex && revision == flushedRevision) {
            return;
        }
        io.flotilla.kv.backend.WriteBatch batch = group.batch();
        if (revision != flushedRevision) {
            batch.put(meta, MvccLayout.REVISION, MvccLayout.longBytes(revision));
        }
        if (appliedIndex != flushedIndex) {
            batch.put(meta, MvccLayout.APPLIED_INDEX, MvccLayout.longBytes(appliedIndex));
        }
        long started = System.nanoTime();
        group.commit();
        commitObserver.accept(System.nanoTime() - started);
        flushedRevision = revision;
        flushedIndex = appliedIndex;
        ChangeListener l = listener;
        if (l != null && !groupChanges.isEmpty()) {
            List<StoreChange> written = groupChanges;
            groupChanges = new ArrayList<>(); // handed over, not copied: the listener may keep it
            l.written(java.util.Collections.unmodifiableList(written), revision);
        } else {
            groupChanges.clear();
        }
    }

    private void flushIfFull() {
        if (group.isFull()) {
            flush();
        }
    }

    /**
     * Turns a requested read revision into the one to read at, checking that it is readable.
     *
     * @param requested the revision asked for; 0 or less means {@code current}
     * @param current   the newest revision the reader may see (the store's, or a write batch's read revision)
     * @return the revision to read at
     * @throws KvException {@link KvError#FUTURE_REVISION} above {@code current}, {@link KvError#COMPACTED} below the
     *                     compaction point
     */
    public long readableRevision(long requested, long current) {
        return readableRevision(requested, current, compactRevision);
    }

    /** {@link #readableRevision(long, long)} against a given compaction revision (a {@link MvccView}'s). */
    static long readableRevision(long requested, long current, long compactRevision) {
        if (requested > current) {
            throw KvError.FUTURE_REVISION.exception();
        }
        long at = requested <= 0 ? current : requested;
        if (at < compactRevision) {
            throw KvError.COMPACTED.exception();
        }
        return at;
    }

    /**
     * What a range read found.
     *
     * @param kvs   the first records in key order (at most the number asked for)
     * @param count how many keys the range holds at the revision, whatever the limit
     */
    public record Scan(List<KeyValue> kvs, long count) {
    }

    /**
     * Returns the records visible at a revision in a range, in key order.
     *
     * @param range the keys
     * @param at    a revision that {@link #readableRevision} accepted (or the one a write batch reads at)
     * @return the records
     */
    public List<KeyValue> range(KeyRange range, long at) {
        return scan(range, at, Integer.MAX_VALUE).kvs();
    }

    @Override
    public Scan scan(KeyRange range, long at, int maxRecords) {
        return scan(backend, range, at, maxRecords, null);
    }

    private Scan scan(BackendReader reader, KeyRange range, long at, int maxRecords,
                      NavigableMap<ByteString, KeyValue> pending) {
        if (range.isEmpty()) {
            return new Scan(List.of(), 0);
        }
        if (at >= revision) {
            return reads.scanLatest(reader, group, range, maxRecords, pending);
        }
        if (at > flushedRevision) {
            flush(); // the history at that revision is still in the group
        }
        return reads.scanHistory(reader, range, at, maxRecords);
    }

    /**
     * Hashes the logical history a read can reach, up to a revision (etcd's HashKV): for every key, its changes after
     * the compaction revision up to {@code at}, and the record visible at the compaction revision. Records the
     * background compaction has not removed yet are left out, so members that applied the same commands agree
     * whatever their compactor's progress.
     *
     * @param at the revision to hash up to; 0 or less for the current one
     * @return a CRC32C of the keys and records, with the compaction revision mixed in
     * @throws KvException {@link KvError#FUTURE_REVISION} above the current revision, {@link KvError#COMPACTED}
     *                     below the compaction revision
     */
    public long hash(long at) {
        flush(); // on the apply thread: what it applied is in the hash (a view sees only the backend)
        try (MvccView view = openView()) {
            return view.hash(at);
        }
    }

    /**
     * Opens a consistent read-only view of what the backend holds: every change written by {@link #flush()} (so
     * everything applied before the last flush), none of the group's. Usable from any thread, concurrently with
     * applying, until closed; closing the store (or replacing its content) while a view is open is the caller's
     * to prevent.
     *
     * @return the view; close it
     */
    public MvccView openView() {
        replacing.readLock().lock();
        try {
            io.flotilla.kv.backend.BackendView view = backend.view();
            // The compaction revision is read after the view is taken, so it is at least the view's own: reads the
            // view could still serve may be refused as compacted, never the other way round (etcd refuses below the
            // store's compaction revision too, whatever a read transaction could still see).
            return new MvccView(reads, view, meta, history, revisions, compactRevision);
        } finally {
            replacing.readLock().unlock();
        }
    }

    /**
     * Opens a point-in-time view of the whole backend (a backup's), never of a content half replaced by a snapshot.
     *
     * @return the view; close it
     */
    public io.flotilla.kv.backend.BackendView openBackendView() {
        replacing.readLock().lock();
        try {
            return backend.view();
        } finally {
            replacing.readLock().unlock();
        }
    }

    /**
     * Starts a write batch at revision {@code revision() + 1}. Only one batch may be open; {@link WriteBatch#end()}
     * must be called before the store is used otherwise.
     *
     * @return the batch
     */
    public WriteBatch beginWrite() {
        flushIfFull();
        return new WriteBatch();
    }

    /**
     * Discards history older than {@code at}: afterwards reads at revisions below {@code at} fail with
     * {@link KvError#COMPACTED}, reads at {@code at} and later are unchanged. Does not change the revision. The
     * revision is recorded at once (with the applied index); the old records are removed by the background
     * {@link Compactor}, in small batches, as etcd does.
     *
     * @param at the compaction revision
     * @throws KvException {@link KvError#COMPACTED} if {@code at} is not above the last compaction,
     *                     {@link KvError#FUTURE_REVISION} if it is above the current revision
     */
    public void compact(long at) {
        if (at <= compactRevision) {
            throw KvError.COMPACTED.exception();
        }
        if (at > revision) {
            throw KvError.FUTURE_REVISION.exception();
        }
        try (io.flotilla.kv.backend.WriteBatch batch = backend.batch()) {
            batch.put(meta, MvccLayout.SCHEDULED_COMPACT, MvccLayout.longBytes(at));
            commitApplied(batch);
        }
        compactRevision = at;
        compactor.schedule(at);
    }

    /**
     * Commits a batch of the command being applied, with its Raft index ({@link #beginApply}), so that the backend
     * never holds a change without the index of the command that made it.
     *
     * @param batch the command's changes
     */
    void commitApplied(io.flotilla.kv.backend.WriteBatch batch) {
        flush(); // the changes of earlier commands first: the backend only ever holds a prefix of the log
        if (applyingIndex > 0) {
            batch.put(meta, MvccLayout.APPLIED_INDEX, MvccLayout.longBytes(applyingIndex));
        }
        long started = System.nanoTime();
        batch.commit(false);
        commitObserver.accept(System.nanoTime() - started);
        recorded();
        flushedIndex = appliedIndex;
    }

    /**
     * Writes the group (if the backend takes it: the log still holds its commands), stops the compactor, closes.
     * Synchronized with {@link #flush()} and {@link WriteBatch#end()}, so that even an apply thread that failed to stop
     * never has a command half in the group when it is written.
     */
    @Override
    public synchronized void close() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing without the last applied changes, which the log still holds: "
                    + e);
        }
        group.discard();
        groupChanges.clear();
        compactor.close();
        backend.close();
    }

    /**
     * The changes of one batch (a put, a delete or a transaction), all at revision {@link #writeRevision()}. Reads
     * through the batch see its own earlier changes, as etcd's transactions do. The changes reach the backend in one
     * atomic batch at {@link #end()}.
     */
    public final class WriteBatch implements RangeSource {

        private final long writeRevision = revision + 1;
        /** The batch's changes by key (null value for a delete), in key order for reads through the batch. */
        private final NavigableMap<ByteString, KeyValue> pending = new TreeMap<>(KeyRange.KEY_ORDER);
        /**
         * The same keys in the order they were changed, which gives their sub-revisions, with the revision of each
         * key's change before this one (0 if none since it was created), which compaction uses.
         */
        private final Map<ByteString, Long> order = new LinkedHashMap<>();
        /** Lease attachments the batch changes: (lease, key) → attached (true) or detached (false). */
        private final Map<ByteString, Boolean> leaseLinks = new LinkedHashMap<>();
        /** Writes outside the key space that go with the batch (a revoked lease's entry). */
        private final List<ExtraWrite> extra = new ArrayList<>();

        private WriteBatch() {
        }

        /** Adds a write outside the key space to the batch, e.g. deleting a revoked lease with its keys. */
        void alsoWrite(Table table, byte[] key, byte[] value) {
            extra.add(new ExtraWrite(table, key, value));
        }

        private void link(long lease, ByteString key, boolean attached) {
            if (lease != 0) {
                leaseLinks.put(ByteString.copyFrom(MvccLayout.leaseKey(lease, key.toByteArray())), attached);
            }
        }

        /** Returns the revision the batch's changes carry. */
        public long writeRevision() {
            return writeRevision;
        }

        /** Returns the revision reads inside the batch see: the batch's own if it changed anything yet. */
        public long readRevision() {
            return pending.isEmpty() ? revision : writeRevision;
        }

        /** Reads a range as the batch sees it: its own changes are seen at {@link #readRevision()}. */
        @Override
        public Scan scan(KeyRange range, long at, int maxRecords) {
            return MvccStore.this.scan(backend, range, at, maxRecords, at == writeRevision ? pending : null);
        }

        /**
         * Returns the current record of a key as the batch sees it.
         *
         * @param key the key
         * @return the record, or null if the key does not exist
         */
        public KeyValue get(ByteString key) {
            if (pending.containsKey(key)) {
                return pending.get(key);
            }
            return reads.readLatest(backend, group, key.toByteArray());
        }

        /**
         * Returns a key's index entry as the batch sees it: what a put needs to know, without reading the value.
         *
         * @param key the key
         * @return the entry, or null if the key does not exist
         */
        MvccLayout.IndexEntry indexEntry(ByteString key) {
            if (pending.containsKey(key)) {
                KeyValue kv = pending.get(key);
                return kv == null ? null : MvccLayout.IndexEntry.of(kv);
            }
            if (group.changes(key)) {
                KeyValue kv = group.get(key);
                return kv == null ? null : MvccLayout.IndexEntry.of(kv);
            }
            byte[] k = key.toByteArray();
            byte[] entry = backend.get(keys, k);
            return entry == null ? null : MvccLayout.IndexEntry.decode(entry, k);
        }

        /**
         * Writes a key: version 1 and a new create revision if it does not exist, else the next version.
         *
         * @param key   the key
         * @param value the value
         * @param lease the lease id (0 for none)
         * @return the record written
         */
        public KeyValue put(ByteString key, ByteString value, long lease) {
            MvccLayout.IndexEntry previous = indexEntry(key);
            KeyValue kv = KeyValue.newBuilder()
                    .setKey(key)
                    .setValue(value)
                    .setLease(lease)
                    .setCreateRevision(previous == null ? writeRevision : previous.createRevision())
                    .setModRevision(writeRevision)
                    .setVersion(previous == null ? 1 : previous.version() + 1)
                    .build();
            long oldLease = previous == null ? 0 : previous.lease();
            if (oldLease != lease) {
                link(oldLease, key, false);
                link(lease, key, true);
            }
            change(key, kv, previous == null ? 0 : previous.modRevision());
            return kv;
        }

        /**
         * Deletes every existing key of a range, leaving a tombstone in each key's history.
         *
         * @param range the keys
         * @return the records deleted, in key order
         */
        public List<KeyValue> deleteRange(KeyRange range) {
            List<KeyValue> deleted = scan(range, readRevision(), Integer.MAX_VALUE).kvs();
            for (KeyValue kv : deleted) {
                link(kv.getLease(), kv.getKey(), false);
                change(kv.getKey(), null, kv.getModRevision());
            }
            return deleted;
        }

        private void change(ByteString key, KeyValue kv, long previousRevision) {
            if (order.containsKey(key)) {
                throw new IllegalStateException("key changed twice at revision " + writeRevision);
            }
            order.put(key, previousRevision);
            pending.put(key, kv);
        }

        private void writeExtra(io.flotilla.kv.backend.WriteBatch batch) {
            for (ExtraWrite w : extra) {
                if (w.value() == null) {
                    batch.delete(w.table(), w.key());
                } else {
                    batch.put(w.table(), w.key(), w.value());
                }
            }
        }

        /**
         * Ends the batch: adds its changes to the group, which {@link #flush()} writes to the backend with the applied
         * index, atomically; the store revision becomes {@link #writeRevision()} if anything changed.
         *
         * @return the store revision after the batch
         */
        public long end() {
            if (pending.isEmpty()) {
                if (!extra.isEmpty()) {
                    synchronized (MvccStore.this) {
                        writeExtra(group.batch());
                    }
                }
                return revision;
            }
            synchronized (MvccStore.this) {
                return addToGroup();
            }
        }

        private long addToGroup() {
            io.flotilla.kv.backend.WriteBatch batch = group.batch();
            long sub = 0;
            for (Map.Entry<ByteString, Long> change : order.entrySet()) {
                ByteString key = change.getKey();
                KeyValue kv = pending.get(key);
                byte[] k = key.toByteArray();
                byte[] record = kv == null ? new byte[0] : kv.toByteArray();
                if (kv == null) {
                    batch.delete(keys, k);
                } else {
                    batch.put(keys, k, MvccLayout.IndexEntry.of(kv).encode());
                }
                batch.put(history, MvccLayout.historyKey(k, writeRevision), record);
                batch.put(revisions, MvccLayout.revisionKey(writeRevision, sub++),
                        MvccLayout.linkedRevisionValue(kv == null, change.getValue(), k));
                group.changed(key, kv, k.length + record.length);
                groupChanges.add(new StoreChange(writeRevision, key, kv, change.getValue()));
            }
            for (Map.Entry<ByteString, Boolean> link : leaseLinks.entrySet()) {
                if (link.getValue()) {
                    batch.put(leaseKeys, link.getKey().toByteArray(), new byte[0]);
                } else {
                    batch.delete(leaseKeys, link.getKey().toByteArray());
                }
            }
            writeExtra(batch);
            recorded();
            revision = writeRevision;
            return revision;
        }
    }
}
