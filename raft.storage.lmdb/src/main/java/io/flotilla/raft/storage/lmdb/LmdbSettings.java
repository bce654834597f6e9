package io.flotilla.raft.storage.lmdb;

import io.flotilla.raft.api.spi.LogStoreContext;
import java.util.Set;

/**
 * The options of the {@code lmdb} store, validated.
 *
 * @param sync    fsync every commit (default true); false opens the environment with {@code MDB_NOSYNC}, which is
 *                UNSAFE: an OS crash or power loss can lose acknowledged entries and votes, or worse, leave a database
 *                whose last transactions are partly on disk
 * @param mapSize the largest the database file may grow, in bytes (default 1g); LMDB reserves this much address
 *                space up front but uses disk only as the log grows. A write that does not fit fails.
 */
record LmdbSettings(boolean sync, long mapSize) {

    static final Set<String> KNOWN = Set.of("sync", "mapSize");

    static LmdbSettings from(LogStoreContext context) {
        context.requireKnownOptions(LmdbLogStoreProvider.NAME, KNOWN);
        return new LmdbSettings(context.booleanOption("sync", true), context.longOption("mapSize", 1L << 30, 1L << 20));
    }
}
