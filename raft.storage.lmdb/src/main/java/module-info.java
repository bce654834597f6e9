/**
 * The {@code lmdb} log store: a durable {@link io.flotilla.raft.api.spi.LogStore} on LMDB (through lmdbjava). Every
 * write is one synced write transaction; every entry carries a CRC32C checked on open and on read.
 *
 * <p>At run time lmdbjava needs {@code --add-opens java.base/java.nio=lmdbjava} and
 * {@code --add-exports java.base/sun.nio.ch=lmdbjava}, and the {@code org.lmdbjava:native} jar must stay off the
 * module path (its file name gives no valid module name): put it on the class path.
 */
module io.flotilla.raft.storage.lmdb {
    // Transitive: the exported provider's signatures use raft.api types.
    requires transitive io.flotilla.raft.api;
    // An automatic module named after its jar file (lmdbjava-<version>.jar).
    requires lmdbjava;

    exports io.flotilla.raft.storage.lmdb;

    provides io.flotilla.raft.api.spi.LogStoreProvider with io.flotilla.raft.storage.lmdb.LmdbLogStoreProvider;
}
