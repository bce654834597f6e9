package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.BackendProvider;

/**
 * Provides the {@code rocksdb} backend: one RocksDB database in the context's directory, one column family per
 * declared table. Options (sizes take {@code k}, {@code m}, {@code g}):
 * <ul>
 *   <li>{@code cacheBytes} (default {@code 64m}, from {@code 1m}): the one LRU block cache of all tables; memtables
 *       are charged to it too (up to half of it), so it bounds the backend's native memory;</li>
 *   <li>{@code writeBufferBytes} (default {@code 16m}, from {@code 64k} to {@code 1g}): the memtable size of each
 *       table before it is flushed to a file, capped at {@code cacheBytes / 2 / tables} so that memtables stay
 *       within the cache (with the defaults and five tables: 6.4 MiB).</li>
 * </ul>
 * An unknown option is refused, naming the known ones. Damaged files fail the open (or the read that meets them) with
 * a {@link io.flotilla.kv.backend.CorruptBackendException} naming the file.
 */
public final class RocksDbBackendProvider implements BackendProvider {

    /** The name to use in configuration. */
    public static final String NAME = "rocksdb";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor); loads nothing native yet. */
    public RocksDbBackendProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Backend open(BackendContext context) {
        RocksDbSettings settings = RocksDbSettings.from(context);
        return new RocksDbBackend(context.directory(), context.tables(), settings);
    }
}
