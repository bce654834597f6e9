package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.api.spi.LogStoreContext;
import java.util.Set;

/**
 * The options of the {@code rocksdb} store, validated.
 *
 * @param sync            fsync every write (default true); false is UNSAFE: an OS crash or power loss can lose
 *                        acknowledged entries and votes
 * @param blockCacheSize  bytes of uncompressed blocks cached for reads (default 64m)
 * @param writeBufferSize bytes of memtable per column family before a flush (default 64m)
 */
record RocksDbSettings(boolean sync, long blockCacheSize, long writeBufferSize) {

    static final Set<String> KNOWN = Set.of("sync", "blockCacheSize", "writeBufferSize");

    static RocksDbSettings from(LogStoreContext context) {
        context.requireKnownOptions(RocksDbLogStoreProvider.NAME, KNOWN);
        return new RocksDbSettings(
                context.booleanOption("sync", true),
                context.longOption("blockCacheSize", 64L << 20, 0),
                context.longOption("writeBufferSize", 64L << 20, 64L << 10));
    }
}
