package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendException;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * The {@code rocksdb} backend: one RocksDB database, one column family per declared table (plus RocksDB's default
 * one, and any column family an earlier version declared, kept as it is).
 *
 * <p><b>Mapping.</b> A {@link WriteBatch} is an {@code org.rocksdb.WriteBatch} written with {@code sync = durable}
 * (one WAL record: atomic across column families, and a crash recovers a prefix of the batches, since recovery stops
 * at the first torn record); a view is a RocksDB snapshot; a cursor is an iterator bounded by {@code [from, to)} (an
 * iterator reads an implicit snapshot taken when it is created). {@link #sync()} syncs the WAL.
 *
 * <p><b>Memory.</b> One LRU block cache ({@code cacheBytes}) serves every column family and holds index and filter
 * blocks too; a write buffer manager charges the memtables to the same cache (evicting blocks to make room) and
 * flushes the largest one when all of them together pass half of it. Each table's memtable is also capped at its share
 * of that half (see {@link RocksDbSettings#memtableBytes(int)}), so that memtables stay within the cache even when
 * flushes fall behind. So {@code cacheBytes} bounds the backend's native memory, give or take RocksDB's arena blocks
 * and what open cursors pin (blocks, and memtables already flushed). Writes are not stalled by the write buffer
 * manager: a thread holding a cursor while it commits would wait for itself.
 *
 * <p><b>Sizes.</b> {@link #sizeBytes()} is the size of the table files of every column family ({@code
 * rocksdb.total-sst-files-size}, which counts files still held by open cursors) plus the memtables'
 * ({@code rocksdb.cur-size-all-mem-tables}), which stand for the live WAL holding the same changes; the info
 * {@code LOG} files and the small MANIFEST are not counted. {@link #sizeInUseBytes()} is RocksDB's estimate of the
 * live data in the files ({@code rocksdb.estimate-live-data-size}) plus the memtables. Both are read from in-memory
 * properties: cheap enough to call per request.
 *
 * <p><b>Threads and closing.</b> Every call that touches native objects holds the read side of a lock whose write
 * side {@link #close()} takes, so closing waits for calls in progress, and no call can reach a freed native object
 * (which would crash the JVM): after the close they throw {@link IllegalStateException}.
 */
final class RocksDbBackend implements Backend {

    static {
        RocksDB.loadLibrary();
    }

    private final Path directory;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Options, cache, filter, write buffer manager: closed last, in reverse order. */
    private final List<AutoCloseable> settingsObjects = new ArrayList<>();
    private final List<ColumnFamilyHandle> families = new ArrayList<>();
    private final Map<String, RocksDbTable> tables = new LinkedHashMap<>();
    private final Set<RocksDbCursor> openCursors = ConcurrentHashMap.newKeySet();
    private final Set<RocksDbView> openViews = ConcurrentHashMap.newKeySet();
    private final Set<RocksDbWriteBatch> openBatches = ConcurrentHashMap.newKeySet();
    private final RocksDB db;
    private final WriteOptions durableWrite;
    private final WriteOptions lazyWrite;
    /** Set under the write lock. */
    private volatile boolean closed;

    /**
     * Opens (creating if needed) the database.
     *
     * @throws IllegalArgumentException for a bad table list
     * @throws BackendException         if it cannot be opened (a {@code CorruptBackendException} if files are damaged)
     */
    RocksDbBackend(Path directory, List<String> tableNames, RocksDbSettings settings) {
        this.directory = directory;
        Set<String> declared = new LinkedHashSet<>();
        for (String name : tableNames) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("table names must not be empty: " + tableNames);
            }
            if (!declared.add(name)) {
                throw new IllegalArgumentException("table '" + name + "' is declared twice");
            }
        }
        RocksDB opened = null;
        try {
            Files.createDirectories(directory);
            LRUCache cache = keep(new LRUCache(settings.cacheBytes(), -1, false, 0.5));
            WriteBufferManager memtables = keep(new WriteBufferManager(settings.memtableBudget(), cache, false));
            BloomFilter filter = keep(new BloomFilter(10, false));
            ColumnFamilyOptions family = keep(familyOptions(settings.memtableBytes(declared.size()), cache, filter));
            DBOptions options = keep(new DBOptions()
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    .setWriteBufferManager(memtables)
                    // Stop replaying the WAL at the first torn record: the state is a prefix of the committed batches.
                    .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
                    .setParanoidChecks(true)
                    // Write table files out in 1 MiB steps rather than in one burst at the end of a flush.
                    .setBytesPerSync(1L << 20)
                    .setKeepLogFileNum(4)
                    .setMaxLogFileSize(4L << 20));
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (String name : familyNames(declared)) {
                descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), family));
            }
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            opened = RocksDB.open(options, directory.toString(), descriptors, handles);
            families.addAll(handles);
            for (int i = 0; i < descriptors.size(); i++) {
                String name = new String(descriptors.get(i).getName(), StandardCharsets.UTF_8);
                if (declared.contains(name)) {
                    tables.put(name, new RocksDbTable(name, this, handles.get(i)));
                }
            }
            durableWrite = keep(new WriteOptions().setSync(true));
            lazyWrite = keep(new WriteOptions().setSync(false));
        } catch (RocksDBException e) {
            releaseAll(opened);
            throw RocksDbErrors.translate(directory, "open", e);
        } catch (IOException e) {
            releaseAll(opened);
            throw new BackendException("rocksdb backend " + directory + ": cannot create the directory: " + e, e,
                    String.valueOf(e.getMessage()).contains("No space left on device"));
        } catch (RuntimeException | Error e) {
            releaseAll(opened);
            throw e;
        }
        db = opened;
    }

    /**
     * The options of every column family, tuned for small values read by key and by short scans: level compaction
     * sized after the memtable (RocksDB's tuning guide), LZ4 (cheap, and built into rocksdbjni), a 10-bit Bloom filter
     * per table file and a hash index inside data blocks for point lookups, index and filter blocks in the cache.
     */
    private static ColumnFamilyOptions familyOptions(long memtableBytes, LRUCache cache, BloomFilter filter) {
        long levelBase = 4 * memtableBytes; // level0_file_num_compaction_trigger memtables
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setFilterPolicy(filter)
                .setWholeKeyFiltering(true)
                .setCacheIndexAndFilterBlocks(true)
                .setCacheIndexAndFilterBlocksWithHighPriority(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash)
                .setBlockSize(4 << 10);
        return new ColumnFamilyOptions()
                .setWriteBufferSize(memtableBytes)
                .setMaxWriteBufferNumber(2)
                .setCompactionStyle(CompactionStyle.LEVEL)
                .setLevelCompactionDynamicLevelBytes(true)
                .setLevel0FileNumCompactionTrigger(4)
                .setMaxBytesForLevelBase(levelBase)
                .setTargetFileSizeBase(Math.max(1L << 20, levelBase / 10))
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(table);
    }

    /** The default column family, those already in the directory, then the declared tables not there yet. */
    private List<String> familyNames(Set<String> declared) throws RocksDBException {
        Set<String> names = new LinkedHashSet<>();
        names.add(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8));
        if (Files.exists(directory.resolve("CURRENT"))) {
            try (Options options = new Options()) {
                for (byte[] name : RocksDB.listColumnFamilies(options, directory.toString())) {
                    names.add(new String(name, StandardCharsets.UTF_8));
                }
            }
        }
        names.addAll(declared);
        return new ArrayList<>(names);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        settingsObjects.add(resource);
        return resource;
    }

    // ------------------------------------------------------------------------------------------------------- Backend

    @Override
    public Table table(String name) {
        ensureOpen();
        RocksDbTable table = tables.get(name);
        if (table == null) {
            throw new IllegalArgumentException("table '" + name + "' was not declared; declared: " + tables.keySet());
        }
        return table;
    }

    @Override
    public byte[] get(Table table, byte[] key) {
        Objects.requireNonNull(key, "key");
        Lock read = readLock();
        try {
            ensureOpen();
            return db.get(family(table), key);
        } catch (RocksDBException e) {
            throw error("read", e);
        } finally {
            read.unlock();
        }
    }

    @Override
    public Cursor cursor(Table table, byte[] from, byte[] to) {
        Objects.requireNonNull(from, "from");
        Lock read = readLock();
        try {
            ensureOpen();
            return new RocksDbCursor(this, null, family(table), null, from, to);
        } finally {
            read.unlock();
        }
    }

    @Override
    public WriteBatch batch() {
        Lock read = readLock();
        try {
            ensureOpen();
            return new RocksDbWriteBatch(this);
        } finally {
            read.unlock();
        }
    }

    @Override
    public BackendView view() {
        Lock read = readLock();
        try {
            ensureOpen();
            return new RocksDbView(this);
        } finally {
            read.unlock();
        }
    }

    /** {@return true: batches go to the WAL and the SST files on disk} */
    @Override
    public boolean durable() {
        return true;
    }

    /** Syncs the WAL: every batch committed so far is then on disk. */
    @Override
    public void sync() {
        Lock read = readLock();
        try {
            ensureOpen();
            db.flushWal(true);
        } catch (RocksDBException e) {
            throw error("sync", e);
        } finally {
            read.unlock();
        }
    }

    @Override
    public long sizeBytes() {
        return sumOf("rocksdb.total-sst-files-size") + sumOf("rocksdb.cur-size-all-mem-tables");
    }

    @Override
    public long sizeInUseBytes() {
        return sumOf("rocksdb.estimate-live-data-size") + sumOf("rocksdb.cur-size-all-mem-tables");
    }

    /**
     * Compacts every column family down to the last level, flushing its memtable first, so that deleted and
     * overwritten data (that no open view still needs) leaves the files. Reads and writes go on meanwhile.
     */
    @Override
    public void defragment() {
        Lock read = readLock();
        try (CompactRangeOptions options = new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForceOptimized)
                .setExclusiveManualCompaction(false)) {
            ensureOpen();
            for (ColumnFamilyHandle family : families) {
                db.compactRange(family, null, null, options);
            }
        } catch (RocksDBException e) {
            throw error("defragment", e);
        } finally {
            read.unlock();
        }
    }

    /**
     * Releases cursors, views and batches still open, syncs the WAL (so that a clean close loses nothing even to a
     * power failure), then closes the database and frees every native object.
     *
     * @throws BackendException if the final WAL sync failed (everything is released all the same)
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        RocksDBException syncFailure = null;
        try {
            if (closed) {
                return;
            }
            closed = true;
            // Cursors first: they read through views' snapshots.
            List.copyOf(openCursors).forEach(RocksDbCursor::release);
            List.copyOf(openViews).forEach(RocksDbView::release);
            List.copyOf(openBatches).forEach(RocksDbWriteBatch::release);
            try {
                db.flushWal(true);
            } catch (RocksDBException e) {
                syncFailure = e;
            }
            releaseAll(db);
        } finally {
            lock.writeLock().unlock();
        }
        if (syncFailure != null) {
            throw error("close", syncFailure);
        }
    }

    /** Closes the column family handles, the database, then the options and cache, ignoring errors of each. */
    private void releaseAll(RocksDB database) {
        for (ColumnFamilyHandle family : families) {
            family.close();
        }
        families.clear();
        if (database != null) {
            database.close();
        }
        for (int i = settingsObjects.size() - 1; i >= 0; i--) {
            try {
                settingsObjects.get(i).close();
            } catch (Exception e) {
                // Freeing native memory does not fail in practice; carry on so that the rest is freed.
            }
        }
        settingsObjects.clear();
    }

    /** {@return a RocksDB property summed over every column family} */
    long sumOf(String property) {
        Lock read = readLock();
        try {
            ensureOpen();
            long sum = 0;
            for (ColumnFamilyHandle family : families) {
                sum += db.getLongProperty(family, property);
            }
            return sum;
        } catch (RocksDBException e) {
            throw error("read property " + property, e);
        } finally {
            read.unlock();
        }
    }

    // --------------------------------------------------------------------------- for the views, cursors and batches

    /** {@return the read side of the close lock, locked: the caller unlocks it} */
    Lock readLock() {
        Lock read = lock.readLock();
        read.lock();
        return read;
    }

    /** @throws IllegalStateException once the backend is closed */
    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("rocksdb backend " + directory + " is closed");
        }
    }

    RocksDB db() {
        return db;
    }

    /**
     * Returns a table's column family.
     *
     * @throws IllegalArgumentException if the table is not one of this backend's
     */
    ColumnFamilyHandle family(Table table) {
        Objects.requireNonNull(table, "table");
        if (table instanceof RocksDbTable t && t.owner == this) {
            return t.family;
        }
        throw new IllegalArgumentException("table '" + table.name() + "' does not belong to rocksdb backend "
                + directory);
    }

    void write(org.rocksdb.WriteBatch batch, boolean durable) {
        try {
            db.write(durable ? durableWrite : lazyWrite, batch);
        } catch (RocksDBException e) {
            throw error("commit", e);
        }
    }

    Snapshot snapshot() {
        return db.getSnapshot();
    }

    BackendException error(String action, RocksDBException e) {
        return RocksDbErrors.translate(directory, action, e);
    }

    void track(RocksDbCursor cursor) {
        openCursors.add(cursor);
    }

    void forget(RocksDbCursor cursor) {
        openCursors.remove(cursor);
    }

    void track(RocksDbView view) {
        openViews.add(view);
    }

    void forget(RocksDbView view) {
        openViews.remove(view);
    }

    void track(RocksDbWriteBatch batch) {
        openBatches.add(batch);
    }

    void forget(RocksDbWriteBatch batch) {
        openBatches.remove(batch);
    }

    /** {@return a RocksDB property as the default column family reports it (database-wide ones: the cache's)} */
    long property(String name) {
        Lock read = readLock();
        try {
            ensureOpen();
            return db.getLongProperty(name);
        } catch (RocksDBException e) {
            throw error("read property " + name, e);
        } finally {
            read.unlock();
        }
    }
}
