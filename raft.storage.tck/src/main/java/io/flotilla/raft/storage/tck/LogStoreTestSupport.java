package io.flotilla.raft.storage.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.LogStoreProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the kit's tests share: the store under test, a fresh directory per test, opening and reopening, and
 * assertions over a whole store. Extend {@link LogStoreContractTest}, not this class.
 */
public abstract class LogStoreTestSupport {

    /** The member every test store belongs to. */
    protected static final NodeId NODE = NodeId.of("n1");

    /** A fresh directory per test, owned by the store. */
    @TempDir
    protected Path directory;

    private final List<LogStore> opened = new ArrayList<>();

    /** {@return the provider of the store under test} */
    protected abstract LogStoreProvider provider();

    /** {@return the options every store in the test is opened with; none by default} */
    protected Map<String, String> options() {
        return Map.of();
    }

    /** {@return whether a store reopened on the same directory holds what the closed one held; true by default} */
    protected boolean survivesReopen() {
        return true;
    }

    /** {@return a store opened on the test's directory with {@link #options()}; closed after the test} */
    protected LogStore open() {
        return open(options());
    }

    /**
     * Opens a store on the test's directory with the given options; it is closed after the test.
     *
     * @param options the options
     * @return the store
     */
    protected LogStore open(Map<String, String> options) {
        LogStore store = provider().open(new LogStoreContext(NODE, directory, options));
        opened.add(store);
        return store;
    }

    /**
     * Closes a store and opens the directory again; when the store does not survive a reopen, returns it unchanged.
     *
     * @param store the store to close
     * @return the reopened store
     */
    protected LogStore reopen(LogStore store) {
        if (!survivesReopen()) {
            return store;
        }
        store.close();
        return open();
    }

    @AfterEach
    void closeStores() {
        // Close in reverse so a store's native resources go before anything opened earlier; close is idempotent.
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }

    /**
     * Asserts the store's whole shape: bounds, the boundary term, every entry (intact and as expected) and the state.
     *
     * @param store    the store
     * @param first    expected first index
     * @param boundaryTerm expected term at {@code first - 1}
     * @param expected the entries expected from {@code first}, in order
     * @param state    the expected persistent state
     */
    protected static void assertStore(LogStore store, long first, long boundaryTerm, List<LogEntry> expected,
            PersistentState state) {
        assertEquals(first, store.firstIndex(), "firstIndex");
        assertEquals(first - 1 + expected.size(), store.lastIndex(), "lastIndex");
        assertEquals(boundaryTerm, store.termAt(first - 1), "term at the boundary " + (first - 1));
        assertEquals(expected, store.read(first, first + expected.size(), Long.MAX_VALUE), "entries");
        for (LogEntry e : expected) {
            assertEquals(e.term(), store.termAt(e.index()), "termAt(" + e.index() + ")");
        }
        assertEquals(state, store.state(), "persistent state");
    }

    /** A snapshot of everything a store shows, to prove that a failed call changed nothing. */
    protected record Shape(long first, long last, long boundaryTerm, List<LogEntry> entries, PersistentState state) {

        /**
         * Captures a store.
         *
         * @param store the store
         * @return its shape
         */
        public static Shape of(LogStore store) {
            long first = store.firstIndex();
            long last = store.lastIndex();
            return new Shape(first, last, store.termAt(first - 1), store.read(first, last + 1, Long.MAX_VALUE),
                    store.state());
        }
    }

    /**
     * Asserts that a call is refused as misuse with a message naming {@code mention}, and that the store is unchanged.
     *
     * @param store   the store
     * @param mention text the message must contain (usually the offending index)
     * @param call    the misuse
     */
    protected static void assertMisuse(LogStore store, String mention, Executable call) {
        Shape before = Shape.of(store);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(mention),
                () -> "message should mention '" + mention + "': " + e.getMessage());
        assertEquals(before, Shape.of(store), "a refused call must change nothing");
    }
}
