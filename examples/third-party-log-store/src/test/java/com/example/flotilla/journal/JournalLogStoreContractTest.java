package com.example.flotilla.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.api.spi.Plugins;
import io.flotilla.raft.storage.tck.LogStoreContractTest;
import io.flotilla.raft.storage.tck.TestEntries;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs Flotilla's log store contract against the {@code journal} store, plus its own options and module wiring. */
class JournalLogStoreContractTest extends LogStoreContractTest {

    @Override
    protected LogStoreProvider provider() {
        return new JournalLogStoreProvider();
    }

    @Test
    void runsOnTheModulePathAndIsFoundByName() {
        assertTrue(getClass().getModule().isNamed(), "tests should run inside the module");
        assertEquals("com.example.flotilla.journal", JournalLogStoreProvider.class.getModule().getName());
        assertInstanceOf(JournalLogStoreProvider.class, Plugins.logStore("journal"));
    }

    @Test
    void rewriteThresholdIsValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("rewriteThreshold", "lots")));
        assertTrue(e.getMessage().contains("rewriteThreshold"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> open(Map.of("rewriteThreshold", "-1")));
        assertTrue(e.getMessage().contains("rewriteThreshold"), e.getMessage());
    }

    @Test
    void unsafeNoSyncModeStillKeepsWhatACleanCloseWrote() {
        LogStore store = open(Map.of("sync", "false"));
        store.append(TestEntries.range(1, 3, 1));
        store.close();
        assertEquals(TestEntries.range(1, 3, 1), open().read(1, 4, Long.MAX_VALUE));
    }
}
