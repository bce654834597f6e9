package io.flotilla.raft.storage.tck;

import static io.flotilla.raft.storage.tck.TestEntries.entry;
import static io.flotilla.raft.storage.tck.TestEntries.range;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.LogStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link LogStore} contract as tests. A store module extends this class in its tests and implements
 * {@link #provider()}; {@link #options()} and {@link #survivesReopen()} adapt it. Every test starts from an empty
 * directory.
 *
 * <p>Where {@link #survivesReopen()} holds, most tests check their result twice: on the open store and again after
 * closing and reopening it, because a store that answers from a cache can hide a write that never reached disk.
 */
public abstract class LogStoreContractTest extends LogStoreTestSupport {

    private static final PersistentState VOTED = new PersistentState(3, NodeId.of("n2"));

    @Test
    void newStoreIsEmpty() {
        LogStore store = open();
        assertStore(store, 1, 0, List.of(), PersistentState.INITIAL);
        assertEquals(List.of(), store.read(1, 1, 0));
        assertStore(reopen(store), 1, 0, List.of(), PersistentState.INITIAL);
    }

    @Test
    void appendedEntriesReadBack() {
        LogStore store = open();
        List<LogEntry> all = new ArrayList<>(range(1, 5, 1));
        store.append(all);
        all.addAll(range(6, 5, 2));
        store.append(all.subList(5, 10));
        store.append(List.of());
        assertStore(store, 1, 0, all, PersistentState.INITIAL);
        assertStore(reopen(store), 1, 0, all, PersistentState.INITIAL);
    }

    @Test
    void readHonoursRangesAndByteBudget() {
        LogStore store = open();
        List<LogEntry> all = range(1, 10, 1, 100);
        store.append(all);
        assertEquals(all.subList(2, 6), store.read(3, 7, Long.MAX_VALUE));
        assertEquals(all.subList(9, 10), store.read(10, 11, Long.MAX_VALUE));
        assertEquals(List.of(), store.read(4, 4, Long.MAX_VALUE));
        assertEquals(all.subList(0, 2), store.read(1, 11, 250), "stops once the budget is reached");
        assertEquals(all.subList(0, 3), store.read(1, 11, 300), "an exact fit is included");
        assertEquals(all.subList(4, 5), store.read(5, 11, 0), "the first entry is returned whatever the budget");
        store.append(List.of(entry(11, 1, 5000)));
        assertEquals(List.of(entry(11, 1, 5000)), store.read(11, 12, 10), "an oversized first entry is returned");
    }

    @Test
    void termAtCoversTheCompactionBoundary() {
        LogStore store = open();
        assertEquals(0, store.termAt(0));
        store.append(range(1, 4, 1));
        store.append(range(5, 4, 2));
        store.compactPrefix(5);
        assertEquals(2, store.termAt(5), "the boundary's term is remembered");
        assertEquals(2, store.termAt(8));
        assertMisuse(store, "4", () -> store.termAt(4));
        assertMisuse(store, "9", () -> store.termAt(9));
        LogStore reopened = reopen(store);
        assertEquals(2, reopened.termAt(5));
        assertMisuse(reopened, "4", () -> reopened.termAt(4));
    }

    @Test
    void writeReplacesTheSuffixAtItsFirstIndex() {
        LogStore store = open();
        store.append(range(1, 10, 1));
        List<LogEntry> replacement = range(6, 3, 2);
        store.write(VOTED, replacement);
        List<LogEntry> expected = new ArrayList<>(range(1, 5, 1));
        expected.addAll(replacement);
        assertStore(store, 1, 0, expected, VOTED);
        assertStore(reopen(store), 1, 0, expected, VOTED);
    }

    @Test
    void writeAtTheFirstIndexReplacesEveryEntry() {
        LogStore store = open();
        store.append(range(1, 10, 1));
        store.compactPrefix(4);
        store = reopen(store);
        store.append(range(5, 2, 3));
        assertStore(store, 5, 1, range(5, 2, 3), PersistentState.INITIAL);
        assertStore(reopen(store), 5, 1, range(5, 2, 3), PersistentState.INITIAL);
    }

    @Test
    void truncateSuffixRemovesTheTail() {
        LogStore store = open();
        store.append(range(1, 10, 1));
        store.truncateSuffix(11);
        assertEquals(10, store.lastIndex(), "truncating at lastIndex + 1 removes nothing");
        store.truncateSuffix(6);
        assertStore(store, 1, 0, range(1, 5, 1), PersistentState.INITIAL);
        store = reopen(store);
        assertStore(store, 1, 0, range(1, 5, 1), PersistentState.INITIAL);
        store.append(range(6, 2, 2));
        List<LogEntry> expected = new ArrayList<>(range(1, 5, 1));
        expected.addAll(range(6, 2, 2));
        assertStore(reopen(store), 1, 0, expected, PersistentState.INITIAL);
    }

    @Test
    void truncateSuffixAtTheFirstIndexEmptiesTheLog() {
        LogStore store = open();
        store.append(range(1, 10, 1));
        store.compactPrefix(3);
        store.truncateSuffix(4);
        assertStore(store, 4, 1, List.of(), PersistentState.INITIAL);
        assertStore(reopen(store), 4, 1, List.of(), PersistentState.INITIAL);
    }

    @Test
    void compactPrefixDiscardsTheHead() {
        LogStore store = open();
        store.append(range(1, 10, 1));
        store.compactPrefix(0);
        assertEquals(1, store.firstIndex(), "compacting through firstIndex - 1 does nothing");
        store.compactPrefix(4);
        assertStore(store, 5, 1, range(5, 6, 1), PersistentState.INITIAL);
        assertMisuse(store, "4", () -> store.read(4, 6, Long.MAX_VALUE));
        store.compactPrefix(4);
        LogStore reopened = reopen(store);
        assertStore(reopened, 5, 1, range(5, 6, 1), PersistentState.INITIAL);
        reopened.append(range(11, 1, 2));
        reopened.compactPrefix(11);
        assertStore(reopened, 12, 2, List.of(), PersistentState.INITIAL);
        LogStore again = reopen(reopened);
        assertStore(again, 12, 2, List.of(), PersistentState.INITIAL);
        again.append(range(12, 2, 2));
        assertStore(reopen(again), 12, 2, range(12, 2, 2), PersistentState.INITIAL);
    }

    @Test
    void resetRestartsTheLogAndKeepsTheState() {
        LogStore store = open();
        store.write(VOTED, range(1, 10, 1));
        store.reset(100, 7);
        assertStore(store, 101, 7, List.of(), VOTED);
        store = reopen(store);
        assertStore(store, 101, 7, List.of(), VOTED);
        store.append(range(101, 3, 8));
        assertStore(reopen(store), 101, 7, range(101, 3, 8), VOTED);
    }

    @Test
    void resetBelowTheCurrentLogAlsoWorks() {
        LogStore store = open();
        store.append(range(1, 20, 1));
        store.compactPrefix(10);
        store.reset(5, 1);
        assertStore(store, 6, 1, List.of(), PersistentState.INITIAL);
        store.append(range(6, 1, 2));
        assertStore(reopen(store), 6, 1, range(6, 1, 2), PersistentState.INITIAL);
    }

    @Test
    void stateIsSavedAloneAndWithEntries() {
        LogStore store = open();
        store.saveState(new PersistentState(1, null));
        assertStore(store, 1, 0, List.of(), new PersistentState(1, null));
        store.write(VOTED, range(1, 3, 3));
        assertStore(store, 1, 0, range(1, 3, 3), VOTED);
        store.write(null, range(4, 1, 3));
        assertStore(store, 1, 0, range(1, 4, 3), VOTED);
        store = reopen(store);
        assertStore(store, 1, 0, range(1, 4, 3), VOTED);
        PersistentState later = new PersistentState(4, null);
        store.saveState(later);
        assertStore(reopen(store), 1, 0, range(1, 4, 3), later);
    }

    @Test
    void largeEntriesAreStoredWhole() {
        int fourMiB = 4 << 20;
        LogStore store = open();
        List<LogEntry> big = range(1, 3, 1, fourMiB);
        store.append(big.subList(0, 1));
        store.append(big.subList(1, 3));
        assertEquals(big.subList(0, 1), store.read(1, 4, 1));
        assertEquals(big.subList(0, 2), store.read(1, 4, 2L * fourMiB));
        LogStore reopened = reopen(store);
        assertEquals(big, reopened.read(1, 4, Long.MAX_VALUE));
    }

    @Test
    void emptyPayloadsRoundTrip() {
        LogStore store = open();
        List<LogEntry> entries = List.of(LogEntry.noOp(1, 1), LogEntry.command(2, 1, new byte[0]));
        store.append(entries);
        assertStore(reopen(store), 1, 0, entries, PersistentState.INITIAL);
    }

    @Test
    void misuseIsRefusedAndChangesNothing() {
        LogStore store = open();
        store.write(VOTED, range(1, 10, 1));
        store.compactPrefix(3);
        assertMisuse(store, "12", () -> store.append(range(12, 1, 1)));
        assertMisuse(store, "12", () -> store.write(new PersistentState(9, null), range(12, 2, 1)));
        List<LogEntry> holed = List.of(entry(11, 1), entry(13, 1));
        assertMisuse(store, "13", () -> store.write(new PersistentState(9, null), holed));
        List<LogEntry> backwards = List.of(entry(6, 2), entry(5, 2));
        assertMisuse(store, "5", () -> store.append(backwards));
        assertMisuse(store, "3", () -> store.append(range(3, 2, 2)));
        assertMisuse(store, "2", () -> store.read(2, 5, Long.MAX_VALUE));
        assertMisuse(store, "12", () -> store.read(4, 12, Long.MAX_VALUE));
        assertMisuse(store, "11", () -> store.compactPrefix(11));
        assertMisuse(store, "2", () -> store.compactPrefix(2));
        assertMisuse(store, "3", () -> store.truncateSuffix(3));
        assertMisuse(store, "12", () -> store.truncateSuffix(12));
        assertMisuse(store, "2", () -> store.termAt(2));
        assertMisuse(store, "-1", () -> store.reset(-1, 1));
        assertStore(reopen(store), 4, 1, range(4, 7, 1), VOTED);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentReadersSeeConsistentPrefixes() throws Exception {
        LogStore store = open();
        int batches = 200;
        int perBatch = 5;
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService readers = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> checks = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                checks.add(readers.submit(() -> readRepeatedly(store, done)));
            }
            for (int b = 0; b < batches; b++) {
                store.append(range(1L + (long) b * perBatch, perBatch, 1 + b / 50));
            }
            done.set(true);
            for (Future<Integer> check : checks) {
                check.get(30, TimeUnit.SECONDS); // rethrows any assertion a reader failed
            }
        } finally {
            readers.shutdownNow();
        }
        assertEquals((long) batches * perBatch, store.lastIndex());
    }

    /** Reads the whole log until told to stop; fails on any entry that is damaged, missing or out of order. */
    private static int readRepeatedly(LogStore store, AtomicBoolean done) {
        int reads = 0;
        long seenLast = 0;
        do {
            long last = store.lastIndex();
            assertTrue(last >= seenLast, "lastIndex went backwards from " + seenLast + " to " + last);
            seenLast = last;
            List<LogEntry> entries = store.read(1, last + 1, Long.MAX_VALUE);
            assertEquals(last, entries.size(), "a read of [1, " + (last + 1) + ") returned " + entries.size());
            for (int i = 0; i < entries.size(); i++) {
                LogEntry e = entries.get(i);
                assertEquals(i + 1, e.index(), "entries out of order");
                assertTrue(TestEntries.isIntact(e), () -> "damaged entry " + e);
                assertEquals(e.term(), store.termAt(e.index()));
            }
            reads++;
        } while (!done.get());
        return reads;
    }

    @Test
    void unknownOptionIsRejectedListingTheKnownOnes() {
        Map<String, String> bad = new HashMap<>(options());
        bad.put("noSuchOption", "1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> open(bad));
        assertTrue(e.getMessage().contains("noSuchOption"), e.getMessage());
        assertTrue(e.getMessage().contains("sync"), "the message lists the known options: " + e.getMessage());
    }

    @Test
    void invalidSyncValueIsRejectedNamingTheOption() {
        Map<String, String> bad = new HashMap<>(options());
        bad.put("sync", "sometimes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> open(bad));
        assertTrue(e.getMessage().contains("sync"), e.getMessage());
    }

    @Test
    void closeIsIdempotent() {
        LogStore store = open();
        store.append(range(1, 2, 1));
        store.close();
        assertDoesNotThrow(store::close);
        if (survivesReopen()) {
            assertStore(open(), 1, 0, range(1, 2, 1), PersistentState.INITIAL);
        }
    }
}
