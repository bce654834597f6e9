package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.api.spi.LogStoreException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The native RocksDB objects behind one store, opened and closed together. RocksDB objects hold native memory that
 * the garbage collector does not free, so everything opened here is closed in {@link #close()}, in reverse order.
 */
final class RocksDbHandles implements AutoCloseable {

    /** Column family of the entries; the default one holds the state and the compaction boundary. */
    static final String ENTRIES_FAMILY = "entries";

    static {
        RocksDB.loadLibrary();
    }

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final RocksDB db;
    private final ColumnFamilyHandle meta;
    private final ColumnFamilyHandle entries;
    private final WriteOptions writeOptions;
    private final String where;

    /**
     * Opens (creating if needed) the database in a directory.
     *
     * @param directory       the store's directory
     * @param settings        the validated options
     */
    RocksDbHandles(Path directory, RocksDbSettings settings) {
        this.where = directory.toString();
        try {
            Files.createDirectories(directory);
            LRUCache cache = keep(new LRUCache(settings.blockCacheSize()));
            ColumnFamilyOptions family = keep(new ColumnFamilyOptions()
                    .setWriteBufferSize(settings.writeBufferSize())
                    .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache)));
            DBOptions options = keep(new DBOptions()
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    // The metadata family (term, vote, first index) is written rarely, so its memtable would pin
                    // every WAL file written since its last flush: with the entries compacted away behind the state
                    // machine, a 30-minute run grew the log directory to over 550 MB of WAL in 5 minutes for a few MB
                    // of live entries. Past this total RocksDB flushes the family holding the oldest WAL.
                    .setMaxTotalWalSize(2 * settings.writeBufferSize())
                    // Checks on open and during compaction that RocksDB's own files are consistent.
                    .setParanoidChecks(true));
            List<ColumnFamilyDescriptor> descriptors = List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, family),
                    new ColumnFamilyDescriptor(ENTRIES_FAMILY.getBytes(StandardCharsets.US_ASCII), family));
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            db = RocksDB.open(options, directory.toString(), descriptors, handles);
            meta = handles.get(0);
            entries = handles.get(1);
            // Handles must close before the database: registered after it, they come first in the reverse order.
            resources.add(db);
            resources.addAll(handles);
            writeOptions = keep(new WriteOptions().setSync(settings.sync()));
        } catch (RocksDBException | IOException e) {
            close();
            throw new LogStoreException("rocksdb log store " + where + ": cannot open: " + e.getMessage(), e);
        }
    }

    RocksDB db() {
        return db;
    }

    ColumnFamilyHandle meta() {
        return meta;
    }

    ColumnFamilyHandle entries() {
        return entries;
    }

    byte[] get(ColumnFamilyHandle family, byte[] key) {
        try {
            return db.get(family, key);
        } catch (RocksDBException e) {
            throw new LogStoreException("rocksdb log store " + where + ": read failed: " + e.getMessage(), e);
        }
    }

    void write(WriteBatch batch) throws RocksDBException {
        db.write(writeOptions, batch);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                // Closing native handles does not fail in practice; carry on so the rest are freed.
            }
        }
        resources.clear();
    }
}
