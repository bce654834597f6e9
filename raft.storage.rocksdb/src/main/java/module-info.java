/**
 * The {@code rocksdb} log store: a durable {@link io.flotilla.raft.api.spi.LogStore} on RocksDB. Every write is one
 * synced {@code WriteBatch}; every entry carries a CRC32C checked on open and on read.
 */
module io.flotilla.raft.storage.rocksdb {
    // Transitive: the exported provider's signatures use raft.api types.
    requires transitive io.flotilla.raft.api;
    // An automatic module named after its jar file (rocksdbjni-<version>.jar has no Automatic-Module-Name).
    requires rocksdbjni;

    exports io.flotilla.raft.storage.rocksdb;

    provides io.flotilla.raft.api.spi.LogStoreProvider with io.flotilla.raft.storage.rocksdb.RocksDbLogStoreProvider;
}
