package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.LogStoreProvider;

/**
 * Provides the {@code rocksdb} log store. Options: {@code sync} (default {@code true}; {@code false} is UNSAFE),
 * {@code blockCacheSize} (default {@code 64m}), {@code writeBufferSize} (default {@code 64m}, at least {@code 64k}).
 * Opening scans and checks every entry; a damaged store fails with
 * {@link io.flotilla.raft.api.spi.CorruptLogException}.
 */
public final class RocksDbLogStoreProvider implements LogStoreProvider {

    /** The name to use in configuration. */
    public static final String NAME = "rocksdb";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor); loads nothing native yet. */
    public RocksDbLogStoreProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LogStore open(LogStoreContext context) {
        RocksDbSettings settings = RocksDbSettings.from(context);
        return new RocksDbLogStore(new RocksDbHandles(context.directory(), settings), context.directory());
    }
}
