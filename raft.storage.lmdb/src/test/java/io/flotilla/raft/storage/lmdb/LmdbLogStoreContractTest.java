package io.flotilla.raft.storage.lmdb;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreException;
import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.api.spi.Plugins;
import io.flotilla.raft.storage.tck.LogStoreContractTest;
import io.flotilla.raft.storage.tck.TestEntries;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs the log store contract against the {@code lmdb} store, plus its own options and module wiring. */
class LmdbLogStoreContractTest extends LogStoreContractTest {

    @Override
    protected LogStoreProvider provider() {
        return new LmdbLogStoreProvider();
    }

    @Override
    protected Map<String, String> options() {
        return Map.of("mapSize", "64m");
    }

    @Test
    void runsOnTheModulePathAndIsFoundByName() {
        assertTrue(getClass().getModule().isNamed(), "tests should run inside the module");
        assertTrue(LmdbLogStoreProvider.class.getModule().isNamed());
        assertInstanceOf(LmdbLogStoreProvider.class, Plugins.logStore("lmdb"));
    }

    @Test
    void mapSizeIsValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("mapSize", "1k")));
        assertTrue(e.getMessage().contains("mapSize"), e.getMessage());
    }

    @Test
    void aFullMapFailsTheWriteNamingTheOptionAndKeepsTheLog() {
        LogStore store = open(Map.of("mapSize", "1m"));
        store.append(TestEntries.range(1, 2, 1));
        LogStoreException e = assertThrows(LogStoreException.class,
                () -> store.append(TestEntries.range(3, 1, 1, 2 << 20)));
        assertTrue(e.getMessage().contains("mapSize"), e.getMessage());
        assertTrue(store.lastIndex() == 2, "the failed write left nothing behind");
    }

    @Test
    void unsafeNoSyncModeStillWorks() {
        LogStore store = open(Map.of("sync", "false"));
        store.append(TestEntries.range(1, 3, 1));
        store.close();
        assertTrue(open().lastIndex() == 3, "a clean close keeps unsynced writes");
    }
}
