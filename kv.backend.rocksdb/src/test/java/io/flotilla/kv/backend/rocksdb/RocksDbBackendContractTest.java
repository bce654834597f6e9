package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.BackendProvider;
import io.flotilla.kv.backend.tck.BackendContractTest;
import java.util.Map;

/** Runs the backend contract against the {@code rocksdb} backend. */
class RocksDbBackendContractTest extends BackendContractTest {

    @Override
    protected BackendProvider provider() {
        return new RocksDbBackendProvider();
    }

    @Override
    protected boolean durable() {
        return true;
    }

    @Override
    protected Map<String, String> options() {
        // Small memtables, so that the tests also read and compact table files, not just the memtable.
        return Map.of("writeBufferBytes", "256k", "cacheBytes", "4m");
    }
}
