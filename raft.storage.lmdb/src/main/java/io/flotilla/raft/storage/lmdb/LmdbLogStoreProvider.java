package io.flotilla.raft.storage.lmdb;

import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.LogStoreProvider;

/**
 * Provides the {@code lmdb} log store. Options: {@code sync} (default {@code true}; {@code false} uses
 * {@code MDB_NOSYNC} and is UNSAFE), {@code mapSize} (default {@code 1g}, at least {@code 1m}): the largest the log
 * may grow. Opening scans and checks every entry; a damaged store fails with
 * {@link io.flotilla.raft.api.spi.CorruptLogException}.
 */
public final class LmdbLogStoreProvider implements LogStoreProvider {

    /** The name to use in configuration. */
    public static final String NAME = "lmdb";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor); loads nothing native yet. */
    public LmdbLogStoreProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LogStore open(LogStoreContext context) {
        LmdbSettings settings = LmdbSettings.from(context);
        return new LmdbLogStore(new LmdbHandles(context.directory(), settings), context.directory());
    }
}
