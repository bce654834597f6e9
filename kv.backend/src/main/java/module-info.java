/**
 * The backend SPI of the KV service: an ordered key-value store with named tables, atomic write batches and
 * point-in-time views, on which the MVCC store keeps keys, revisions and values (as etcd keeps them in bbolt).
 * Backends are plugins found by name through {@link io.flotilla.kv.backend.Backends}.
 */
module io.flotilla.kv.backend {
    exports io.flotilla.kv.backend;

    uses io.flotilla.kv.backend.BackendProvider;
}
