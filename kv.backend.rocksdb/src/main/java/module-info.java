/**
 * The {@code rocksdb} KV backend: a durable {@link io.flotilla.kv.backend.Backend} on RocksDB, one column family per
 * table, with its native memory bounded by one block cache that memtables are charged to. It exports nothing: it is
 * reached through {@link io.flotilla.kv.backend.Backends}.
 */
module io.flotilla.kv.backend.rocksdb {
    requires io.flotilla.kv.backend;
    // An automatic module named after its jar file (rocksdbjni-<version>.jar has no Automatic-Module-Name).
    requires rocksdbjni;

    provides io.flotilla.kv.backend.BackendProvider with io.flotilla.kv.backend.rocksdb.RocksDbBackendProvider;
}
