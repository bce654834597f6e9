package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.BackendProvider;
import io.flotilla.kv.backend.tck.BackendCrashTest;
import java.util.Map;

/** Kills a process committing to a {@code rocksdb} backend with SIGKILL and checks it reopens on a prefix. */
class RocksDbCrashTest extends BackendCrashTest {

    @Override
    protected BackendProvider provider() {
        return new RocksDbBackendProvider();
    }

    @Override
    protected Map<String, String> options() {
        // Small memtables: the writer is also killed during flushes and compactions.
        return Map.of("writeBufferBytes", "128k", "cacheBytes", "2m");
    }
}
