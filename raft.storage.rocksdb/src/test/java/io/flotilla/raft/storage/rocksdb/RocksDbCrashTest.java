package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.storage.tck.LogStoreCrashTest;

/** Kills a process writing to a {@code rocksdb} store with SIGKILL and checks every acknowledged entry survived. */
class RocksDbCrashTest extends LogStoreCrashTest {

    @Override
    protected LogStoreProvider provider() {
        return new RocksDbLogStoreProvider();
    }
}
