package io.flotilla.raft.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.UnknownPluginException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Plugin lookups and option parsing fail with messages that tell the user what to write instead. */
class PluginsTest {

    @Test
    void anUnknownPluginNameListsWhatIsAvailable() {
        // raft.api alone provides nothing, so the list is empty and says so.
        UnknownPluginException e = assertThrows(UnknownPluginException.class, () -> Plugins.logStore("rocksdbx"));
        assertEquals("unknown log store 'rocksdbx'; available: none (no module provides one)", e.getMessage());
        assertThrows(UnknownPluginException.class, () -> Plugins.transport("carrier-pigeon"));
        assertThrows(UnknownPluginException.class, () -> Plugins.engine("other"));
    }

    @Test
    void theMessageListsKnownNamesSorted() {
        UnknownPluginException e = new UnknownPluginException("log store", "x", java.util.List.of("lmdb", "memory"));
        assertEquals("unknown log store 'x'; available: lmdb, memory", e.getMessage());
    }

    @Test
    void storeOptionsAreParsedWithClearErrors() {
        LogStoreContext c = new LogStoreContext(NodeId.of("n1"), Path.of("d"),
                Map.of("sync", "maybe", "mapSize", "2g", "bad", "12q"));
        IllegalArgumentException sync = assertThrows(IllegalArgumentException.class, () -> c.booleanOption("sync", true));
        assertEquals("option 'sync' must be true or false, got 'maybe'", sync.getMessage());
        assertEquals(2L << 30, c.longOption("mapSize", 0, 1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.longOption("bad", 0, 1)).getMessage()
                .contains("option 'bad' must be a whole number"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> c.requireKnownOptions("lmdb", Set.of("sync", "mapSize")));
        assertEquals("unknown option(s) [bad] for log store 'lmdb'; known options: [mapSize, sync]",
                unknown.getMessage());
    }
}
