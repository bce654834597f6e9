package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.BackendContext;
import java.util.Set;

/**
 * The validated options of the {@code rocksdb} backend.
 *
 * @param cacheBytes       capacity of the block cache shared by all column families, which memtables are charged to
 * @param writeBufferBytes the largest memtable of a column family before a flush (see {@link #memtableBytes(int)})
 */
record RocksDbSettings(long cacheBytes, long writeBufferBytes) {

    static final String CACHE_BYTES = "cacheBytes";
    static final String WRITE_BUFFER_BYTES = "writeBufferBytes";
    static final Set<String> KNOWN = Set.of(CACHE_BYTES, WRITE_BUFFER_BYTES);

    static RocksDbSettings from(BackendContext context) {
        context.requireKnownOptions(RocksDbBackendProvider.NAME, KNOWN);
        return new RocksDbSettings(
                context.longOption(CACHE_BYTES, 64L << 20, 1L << 20, 1L << 40),
                context.longOption(WRITE_BUFFER_BYTES, 16L << 20, MIN_MEMTABLE_BYTES, 1L << 30));
    }

    /** The smallest memtable: RocksDB's own floor for a useful write buffer. */
    static final long MIN_MEMTABLE_BYTES = 64L << 10;

    /**
     * The most memory all memtables together may take before the largest is flushed: half the cache, charged to it,
     * so that blocks keep at least the other half.
     */
    long memtableBudget() {
        return cacheBytes / 2;
    }

    /**
     * Returns the memtable size of each table: {@code writeBufferBytes}, but at most an equal share of the memtable
     * budget. A table holds at most two memtables (one filling, one being flushed; RocksDB stops writes beyond that),
     * so all of them together stay within {@code cacheBytes} even when flushes fall behind, which the write buffer
     * manager alone does not ensure.
     *
     * @param tables how many tables are written
     * @return bytes
     */
    long memtableBytes(int tables) {
        return Math.min(writeBufferBytes, Math.max(MIN_MEMTABLE_BYTES, memtableBudget() / Math.max(1, tables)));
    }
}
