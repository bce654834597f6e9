package io.flotilla.kv.backend.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link Backend} contract as tests. A backend module extends this class in its tests and implements
 * {@link #provider()} and {@link #durable()}; {@link #options()} adapts it (e.g. small buffers, so that the tests
 * reach the backend's files and not only its memory). Every test starts from an empty directory.
 *
 * <p>For a durable backend, tests that write also check the result after closing and reopening the backend, since a
 * backend that answers from memory can hide a write that never reached its files. For a backend that is not durable,
 * they check that a reopened backend starts empty.
 *
 * <p>Run the tests on the module path (Maven's Surefire does so for a module with a {@code module-info.java}): one of
 * them looks the backend up by name through {@link Backends}, which finds only modules' {@code provides} clauses.
 *
 * <p>The tests are in three classes by topic, each extending the one before: reads, writes and cursors
 * ({@code BackendReadWriteContract}), what batches, cursors and views see of each other
 * ({@code BackendIsolationContract}), and this class: sizes, reopening, syncing, closing, options and lookup.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class BackendContractTest extends BackendIsolationContract {

    /** Creates the test; JUnit calls it. */
    protected BackendContractTest() {
    }

    @Test
    void sizesAndDefragmentKeepTheRest() {
        Backend b = open();
        Table alpha = b.table("alpha");
        Random random = new Random(5);
        int n = 2000;
        byte[][] values = new byte[n][];
        for (int start = 0; start < n; start += 200) {
            try (WriteBatch batch = b.batch()) {
                for (int i = start; i < start + 200; i++) {
                    values[i] = new byte[1024];
                    random.nextBytes(values[i]);
                    batch.put(alpha, bytes(String.format("key%05d", i)), values[i]);
                }
                batch.commit(false);
            }
        }
        long peakSize = b.sizeBytes();
        long peakInUse = b.sizeInUseBytes();
        assertTrue(peakSize > 0, "sizeBytes after writing 2 MB: " + peakSize);
        assertTrue(peakInUse > 0, "sizeInUseBytes after writing 2 MB: " + peakInUse);
        for (int start = 0; start < n; start += 200) {
            try (WriteBatch batch = b.batch()) {
                for (int i = start; i < start + 200; i++) {
                    if (i % 10 != 0) {
                        batch.delete(alpha, bytes(String.format("key%05d", i)));
                    }
                }
                batch.commit(false);
            }
        }
        long beforeDefragment = b.sizeBytes();
        b.defragment();
        long afterSize = b.sizeBytes();
        long afterInUse = b.sizeInUseBytes();
        for (int pass = 0; pass < 2; pass++) {
            int count = 0;
            try (Cursor c = b.cursor(alpha, START, null)) {
                for (; c.valid(); c.next()) {
                    int i = Integer.parseInt(str(c.key()).substring(3));
                    assertEquals(0, i % 10, "key" + i + " was deleted");
                    assertArrayEquals(values[i], c.value(), "value of key" + i);
                    count++;
                }
            }
            assertEquals(n / 10, count, "the keys that were not deleted");
            if (!durable()) {
                break;
            }
            b = reopen(b);
            alpha = b.table("alpha");
        }
        assertTrue(afterInUse > 0, "200 KB remain in use: " + afterInUse);
        assertTrue(afterInUse < peakInUse, "deleting 90 % and defragmenting must lower sizeInUseBytes: from "
                + peakInUse + " to " + afterInUse);
        if (durable()) {
            assertTrue(afterSize <= beforeDefragment, "defragment must not grow sizeBytes: " + beforeDefragment
                    + " before, " + afterSize + " after");
            assertTrue(afterSize < peakSize / 2, "after deleting 90 % and defragmenting, sizeBytes should be well "
                    + "below its peak of " + peakSize + ": " + afterSize);
        }
    }

    // ----------------------------------------------------------------------------------------------------- durability

    @Test
    void committedBatchesSurviveReopenWhetherDurableOrNot() {
        Backend b = open();
        Table alpha = b.table("alpha");
        Table beta = b.table("beta");
        try (WriteBatch batch = b.batch()) {
            for (int i = 0; i < 100; i++) {
                batch.put(alpha, bytes(k(i)), bytes("durable"));
            }
            batch.commit(true);
        }
        try (WriteBatch batch = b.batch()) {
            batch.put(beta, bytes("b"), bytes("not durable"));
            for (int i = 0; i < 100; i += 2) {
                batch.delete(alpha, bytes(k(i)));
            }
            batch.put(alpha, bytes(k(1)), bytes("overwritten, not durable"));
            batch.commit(false);
        }
        try (WriteBatch batch = b.batch()) {
            batch.put(alpha, bytes("last"), bytes("durable"));
            batch.commit(true);
        }
        try (WriteBatch batch = b.batch()) {
            batch.put(beta, bytes("c"), bytes("not durable, last"));
            batch.commit(false);
        }
        Map<String, String> alphaState = scan(b, alpha);
        Map<String, String> betaState = scan(b, beta);
        assertEquals(51, alphaState.size());
        Backend reopened = assertReopened(b, alphaState, betaState);
        if (durable()) {
            // And the reopened backend takes writes and keeps them.
            put(reopened, reopened.table("beta"), "d", "after reopen");
            betaState = scan(reopened, reopened.table("beta"));
            assertReopened(reopened, alphaState, betaState);
        }
    }

    @Test
    void syncMakesCommittedBatchesDurable() {
        Backend b = open();
        Table alpha = b.table("alpha");
        b.sync(); // nothing written yet
        put(b, alpha, "a", "1", "b", "2");
        b.sync();
        put(b, alpha, "c", "3");
        b.sync();
        b.sync();
        assertEquals(List.of("a", "b", "c"), keys(b, alpha, "", null));
        assertReopened(b, scan(b, alpha), Map.of());
    }

    // ------------------------------------------------------------------------------------------------ misuse, closing

    @Test
    void closeIsIdempotentAndLaterCallsFail() {
        Backend b = open();
        Table alpha = b.table("alpha");
        put(b, alpha, "a", "1");
        b.close();
        b.close();
        assertThrows(IllegalStateException.class, () -> b.get(alpha, bytes("a")));
        assertThrows(IllegalStateException.class, () -> b.cursor(alpha, START, null));
        assertThrows(IllegalStateException.class, b::batch);
        assertThrows(IllegalStateException.class, b::view);
        assertThrows(IllegalStateException.class, () -> b.table("alpha"));
        assertThrows(IllegalStateException.class, b::sync);
        // The directory is free again.
        Backend again = open();
        assertEquals(durable() ? "1" : null, get(again, again.table("alpha"), "a"));
    }

    @Test
    void closingTheBackendReleasesWhatIsStillOpen() {
        Backend b = open();
        Table alpha = b.table("alpha");
        fill(b, alpha, 3);
        BackendView view = b.view();
        Cursor viewCursor = view.cursor(alpha, START, null);
        Cursor cursor = b.cursor(alpha, START, null);
        WriteBatch batch = b.batch();
        batch.put(alpha, bytes("uncommitted"), bytes("x"));
        b.close();
        assertThrows(IllegalStateException.class, () -> view.get(alpha, bytes(k(0))));
        assertThrows(IllegalStateException.class, cursor::next);
        assertThrows(IllegalStateException.class, () -> batch.commit(false));
        viewCursor.close();
        cursor.close();
        view.close();
        batch.close();
        Backend again = open();
        assertNull(get(again, again.table("alpha"), "uncommitted"));
        assertEquals(durable() ? 3 : 0, scan(again, again.table("alpha")).size());
    }

    @Test
    void unknownOptionIsRefusedNamingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("noSuchOption", "1")));
        assertTrue(e.getMessage().contains("noSuchOption") && e.getMessage().contains("known options"),
                e.getMessage());
        // The refused open holds nothing: the directory opens normally.
        Backend b = open();
        put(b, b.table("alpha"), "a", "1");
        assertEquals("1", get(b, b.table("alpha"), "a"));
    }

    @Test
    void undeclaredOrForeignTableIsRefused() {
        Backend b = open();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.table("gamma"));
        assertTrue(e.getMessage().contains("gamma"), e.getMessage());
        Backend other = open(directory.resolve("other"), List.of("alpha"), options());
        Table foreign = other.table("alpha");
        assertThrows(IllegalArgumentException.class, () -> b.get(foreign, bytes("k")));
        assertThrows(IllegalArgumentException.class, () -> b.cursor(foreign, START, null));
        try (WriteBatch batch = b.batch()) {
            assertThrows(IllegalArgumentException.class, () -> batch.put(foreign, bytes("k"), bytes("v")));
            assertThrows(IllegalArgumentException.class, () -> batch.delete(foreign, bytes("k")));
        }
    }

    @Test
    void providerIsFoundByNameAndUnknownNamesListTheAvailableOnes() {
        String name = provider().name();
        assertTrue(Backends.names().contains(name), "the module does not provide its backend: " + Backends.names());
        assertSame(provider().getClass(), Backends.provider(name).getClass());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.provider("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("available: ")
                && e.getMessage().contains(name), e.getMessage());
    }
}
