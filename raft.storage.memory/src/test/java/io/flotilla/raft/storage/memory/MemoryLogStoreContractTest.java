package io.flotilla.raft.storage.memory;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.api.spi.Plugins;
import io.flotilla.raft.storage.tck.LogStoreContractTest;
import org.junit.jupiter.api.Test;

/** Runs the log store contract against the {@code memory} store, which keeps nothing across a reopen. */
class MemoryLogStoreContractTest extends LogStoreContractTest {

    @Override
    protected LogStoreProvider provider() {
        return new MemoryLogStoreProvider();
    }

    @Override
    protected boolean survivesReopen() {
        return false;
    }

    @Test
    void runsOnTheModulePathAndIsFoundByName() {
        assertTrue(getClass().getModule().isNamed(), "tests should run inside the module");
        assertInstanceOf(MemoryLogStoreProvider.class, Plugins.logStore("memory"));
    }
}
