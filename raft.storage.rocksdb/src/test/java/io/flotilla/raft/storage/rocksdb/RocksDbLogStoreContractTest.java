package io.flotilla.raft.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.api.spi.Plugins;
import io.flotilla.raft.storage.tck.LogStoreContractTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs the log store contract against the {@code rocksdb} store, plus its own options and module wiring. */
class RocksDbLogStoreContractTest extends LogStoreContractTest {

    @Override
    protected LogStoreProvider provider() {
        return new RocksDbLogStoreProvider();
    }

    @Override
    protected Map<String, String> options() {
        // Small buffers so that the tests also exercise flushed SST files, not just the memtable.
        return Map.of("writeBufferSize", "256k", "blockCacheSize", "1m");
    }

    @Test
    void runsOnTheModulePathAndIsFoundByName() {
        assertTrue(getClass().getModule().isNamed(), "tests should run inside the module");
        assertTrue(RocksDbLogStoreProvider.class.getModule().isNamed());
        assertInstanceOf(RocksDbLogStoreProvider.class, Plugins.logStore("rocksdb"));
    }

    @Test
    void sizeOptionsAreValidated() {
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("writeBufferSize", "1k")));
        assertTrue(tooSmall.getMessage().contains("writeBufferSize"), tooSmall.getMessage());
        IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("blockCacheSize", "lots")));
        assertTrue(notANumber.getMessage().contains("blockCacheSize"), notANumber.getMessage());
    }

    @Test
    void unsafeNoSyncModeStillWorks() {
        var store = open(Map.of("sync", "false"));
        store.append(io.flotilla.raft.storage.tck.TestEntries.range(1, 3, 1));
        store.close();
        assertTrue(open().lastIndex() == 3, "a clean close keeps unsynced writes");
    }
}
