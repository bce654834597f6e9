package io.flotilla.kv.backend.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.BackendProvider;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.tck.BackendContractTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs the backend contract against the {@code memory} backend, plus what is particular to it. */
class MemoryBackendContractTest extends BackendContractTest {

    @Override
    protected BackendProvider provider() {
        return new MemoryBackendProvider();
    }

    @Override
    protected boolean durable() {
        return false;
    }

    @Test
    void runsOnTheModulePath() {
        assertTrue(getClass().getModule().isNamed(), "tests should run inside the module");
        assertEquals("io.flotilla.kv.backend.memory", MemoryBackendProvider.class.getModule().getName());
    }

    @Test
    void aTableDeclaredTwiceIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> provider().open(
                new BackendContext(directory, List.of("alpha", "alpha"), Map.of())));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
    }

    @Test
    void writesUnderAnOpenViewChangeACopyAndLaterWritesChangeItInPlace() {
        Backend b = open();
        Table alpha = b.table("alpha");
        put(b, alpha, "a", "1");
        MemoryBackend.Generation first = ((MemoryTable) alpha).current;
        try (BackendView view = b.view()) {
            put(b, alpha, "a", "2");
            MemoryBackend.Generation second = ((MemoryTable) alpha).current;
            assertTrue(first != second, "a write under a view copies the table");
            put(b, alpha, "a", "3");
            assertTrue(second == ((MemoryTable) alpha).current, "nobody reads the copy: changed in place");
            assertEquals("1", get(view, alpha, "a"));
        }
        put(b, alpha, "a", "4");
        assertEquals("4", get(b, alpha, "a"));
        assertEquals(2, b.sizeBytes(), "one key of 1 byte with a value of 1 byte");
    }
}
