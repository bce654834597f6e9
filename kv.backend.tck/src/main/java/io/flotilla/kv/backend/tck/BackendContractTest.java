package io.flotilla.kv.backend.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendReader;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class BackendContractTest extends BackendTestSupport {

    private static final byte[] START = new byte[0];

    /** Creates the test; JUnit calls it. */
    protected BackendContractTest() {
    }

    private static String str(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static String k(int i) {
        return String.format("k%02d", i);
    }

    /** Puts {@code k00 .. k(n-1)} with values {@code v00 ..}. */
    private static void fill(Backend backend, Table table, int n) {
        try (WriteBatch batch = backend.batch()) {
            for (int i = 0; i < n; i++) {
                batch.put(table, bytes(k(i)), bytes(String.format("v%02d", i)));
            }
            batch.commit(false);
        }
    }

    private static List<String> range(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(k(i));
        }
        return out;
    }

    /** Checks the reopened backend: the same content when durable, empty otherwise. */
    private Backend assertReopened(Backend backend, Map<String, String> alpha, Map<String, String> beta) {
        Backend reopened = reopen(backend);
        if (durable()) {
            assertEntries(alpha, scan(reopened, reopened.table("alpha")), "alpha after reopen");
            assertEntries(beta, scan(reopened, reopened.table("beta")), "beta after reopen");
        } else {
            assertEntries(Map.of(), scan(reopened, reopened.table("alpha")), "alpha of a reopened backend that is "
                    + "not durable");
            assertEntries(Map.of(), scan(reopened, reopened.table("beta")), "beta of a reopened backend that is not "
                    + "durable");
        }
        return reopened;
    }

    // ---------------------------------------------------------------------------------------------- basic operations

    @Test
    void newBackendIsEmpty() {
        Backend b = open();
        for (String name : TABLES) {
            Table t = b.table(name);
            assertEquals(name, t.name());
            assertNull(b.get(t, bytes("k")));
            assertEquals(Map.of(), scan(b, t));
        }
        assertTrue(b.sizeBytes() >= 0 && b.sizeInUseBytes() >= 0, "sizes are never negative");
        // The engine trusts this answer to compact its log behind the backend's synced state (see Backend#durable).
        assertEquals(durable(), b.durable(), "the backend says whether it keeps its data across a reopen");
    }

    @Test
    void putGetOverwriteDelete() {
        Backend b = open();
        Table alpha = b.table("alpha");
        put(b, alpha, "k1", "one", "k2", "two");
        assertEquals("one", get(b, alpha, "k1"));
        assertEquals("two", get(b, alpha, "k2"));
        assertNull(get(b, alpha, "k3"));
        put(b, alpha, "k1", "uno");
        assertEquals("uno", get(b, alpha, "k1"), "a put replaces the value");
        try (WriteBatch batch = b.batch()) {
            batch.delete(alpha, bytes("k2"));
            batch.delete(alpha, bytes("never-there")); // deleting an absent key is no error
            batch.commit(true);
        }
        assertNull(get(b, alpha, "k2"));
        put(b, alpha, "k2", "");
        assertArrayEquals(new byte[0], b.get(alpha, bytes("k2")), "an empty value is a value, not an absence");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(hex(bytes("k1")), hex(bytes("uno")));
        expected.put(hex(bytes("k2")), "");
        assertEntries(expected, scan(b, alpha), "alpha");
        assertReopened(b, expected, Map.of());
    }

    @Test
    void arraysPassedInAndReturnedAreCopies() {
        Backend b = open();
        Table alpha = b.table("alpha");
        byte[] key = bytes("key");
        byte[] value = bytes("value");
        try (WriteBatch batch = b.batch()) {
            batch.put(alpha, key, value);
            key[0] = 'X';
            value[0] = 'X';
            batch.commit(false);
        }
        assertEquals("value", get(b, alpha, "key"), "the batch copied the arrays when they were put");
        assertNull(get(b, alpha, "Xey"));
        byte[] read = b.get(alpha, bytes("key"));
        read[0] = 'X';
        assertEquals("value", get(b, alpha, "key"), "get returns a copy");
        try (Cursor c = b.cursor(alpha, START, null)) {
            c.key()[0] = 'X';
            c.value()[0] = 'X';
            assertEquals("key", str(c.key()), "key() returns a copy");
            assertEquals("value", str(c.value()), "value() returns a copy");
        }
    }

    @Test
    void tablesAreIndependent() {
        Backend b = open();
        Table alpha = b.table("alpha");
        Table beta = b.table("beta");
        assertNotEquals(alpha, beta);
        assertEquals(alpha, b.table("alpha"), "the same name gives an equal handle");
        try (WriteBatch batch = b.batch()) {
            batch.put(alpha, bytes("same"), bytes("in alpha"));
            batch.put(beta, bytes("same"), bytes("in beta"));
            batch.put(alpha, bytes("only-alpha"), bytes("a"));
            batch.put(beta, bytes("only-beta"), bytes("b"));
            batch.commit(false);
        }
        assertEquals("in alpha", get(b, alpha, "same"));
        assertEquals("in beta", get(b, beta, "same"));
        assertNull(get(b, alpha, "only-beta"));
        assertNull(get(b, beta, "only-alpha"));
        try (WriteBatch batch = b.batch()) {
            batch.delete(alpha, bytes("same"));
            batch.commit(false);
        }
        assertNull(get(b, alpha, "same"));
        assertEquals("in beta", get(b, beta, "same"), "a delete in one table leaves the other alone");
        assertEquals(List.of("only-alpha"), keys(b, alpha, "", null));
        assertEquals(List.of("only-beta", "same"), keys(b, beta, "", null));
        Map<String, String> expectedAlpha = scan(b, alpha);
        Map<String, String> expectedBeta = scan(b, beta);
        assertReopened(b, expectedAlpha, expectedBeta);
    }

    @Test
    void keysAreOrderedAsUnsignedBytes() {
        List<byte[]> keys = new ArrayList<>(List.of(
                unsigned(0x00), unsigned(0x00, 0x00), unsigned(0x00, 0x01), unsigned(0x01), unsigned(0x7F),
                unsigned(0x7F, 0xFF), unsigned(0x80), unsigned(0x80, 0x00), unsigned(0xFE), unsigned(0xFF),
                unsigned(0xFF, 0x00), unsigned(0xFF, 0xFF), bytes("a"), bytes("ab"), bytes("abc"), bytes("b")));
        Collections.shuffle(keys, new Random(7));
        Backend b = open();
        Table alpha = b.table("alpha");
        try (WriteBatch batch = b.batch()) {
            for (byte[] key : keys) {
                batch.put(alpha, key, key);
            }
            batch.commit(false);
        }
        List<String> expected = List.of("00", "0000", "0001", "01", "61", "6162", "616263", "62", "7f", "7fff", "80",
                "8000", "fe", "ff", "ff00", "ffff");
        assertEquals(expected, new ArrayList<>(scan(b, alpha).keySet()), "every key, ordered as unsigned bytes");
        assertEquals(List.of("7fff", "80", "8000", "fe"),
                new ArrayList<>(scan(b, alpha, unsigned(0x7F, 0xFF), unsigned(0xFF)).keySet()),
                "a range across the 0x7F/0x80 boundary");
        assertEquals(List.of("ab", "abc"), keys(b, alpha, "ab", "ac"), "a key that is a prefix of another comes first");
        assertEquals(List.of("ab"), keys(b, alpha, "ab", "ab\0"), "the key right after \"ab\" is \"ab\\0\"");
        assertEquals(List.of("ff", "ff00", "ffff"), new ArrayList<>(scan(b, alpha, unsigned(0xFF), null).keySet()));
        for (byte[] key : keys) {
            assertArrayEquals(key, b.get(alpha, key), hex(key));
        }
        Backend reopened = assertReopened(b, scan(b, alpha), Map.of());
        if (durable()) {
            assertEquals(expected, new ArrayList<>(scan(reopened, reopened.table("alpha")).keySet()));
        }
    }

    // ------------------------------------------------------------------------------------------------------- cursors

    @Test
    void cursorRanges() {
        Backend b = open();
        Table alpha = b.table("alpha");
        fill(b, alpha, 20);
        assertEquals(range(0, 20), keys(b, alpha, "", null), "the whole table");
        assertEquals(range(5, 10), keys(b, alpha, k(5), k(10)), "from is inclusive, to exclusive");
        assertEquals(range(15, 20), keys(b, alpha, k(15), null), "to == null runs to the end");
        assertEquals(range(0, 3), keys(b, alpha, "", k(3)), "an empty from starts at the beginning");
        assertEquals(range(6, 10), keys(b, alpha, "k05x", "k09x"), "bounds between keys");
        assertEquals(List.of(), keys(b, alpha, k(7), k(7)), "from == to is empty");
        assertEquals(List.of(), keys(b, alpha, k(9), k(3)), "to before from is empty");
        assertEquals(List.of(), keys(b, alpha, "z", null), "from after the last key");
        assertEquals(List.of(), keys(b, alpha, "", "a"), "to before the first key");
        assertEquals(List.of(), keys(b, b.table("beta"), "", null), "an empty table");
        assertEquals(range(0, 20), keys(b, alpha, "", "l"), "a to after the last key");
    }

    @Test
    void cursorWalksToTheEndAndReadsValues() {
        Backend b = open();
        Table alpha = b.table("alpha");
        fill(b, alpha, 5);
        Cursor c = b.cursor(alpha, START, null);
        for (int i = 0; i < 5; i++) {
            assertTrue(c.valid(), "entry " + i);
            assertEquals(k(i), str(c.key()));
            assertEquals(String.format("v%02d", i), str(c.value()));
            c.next();
        }
        assertFalse(c.valid(), "past the last entry");
        c.close();
        c.close(); // idempotent
    }

    @Test
    void seekIsClampedToTheCursorsRange() {
        Backend b = open();
        Table alpha = b.table("alpha");
        fill(b, alpha, 20);
        try (Cursor c = b.cursor(alpha, bytes(k(5)), bytes(k(10)))) {
            assertKey(c, k(5));
            c.seek(bytes(k(7)));
            assertKey(c, k(7));
            c.seek(bytes(k(0)));
            assertKey(c, k(5)); // before the range: its first key
            c.seek(bytes("k07x"));
            assertKey(c, k(8)); // between keys: the next one
            c.seek(bytes(k(10)));
            assertFalse(c.valid(), "seek to the exclusive end");
            c.seek(bytes(k(15)));
            assertFalse(c.valid(), "seek after the range");
            c.seek(bytes(k(6)));
            assertKey(c, k(6)); // seeking backwards after the end works
            List<String> rest = new ArrayList<>();
            for (; c.valid(); c.next()) {
                rest.add(str(c.key()));
            }
            assertEquals(range(6, 10), rest);
            c.seek(START);
            assertKey(c, k(5));
        }
        try (Cursor c = b.cursor(alpha, bytes(k(15)), null)) {
            c.seek(bytes("z"));
            assertFalse(c.valid(), "seek after the last key");
            c.seek(bytes(k(19)));
            assertKey(c, k(19));
            c.next();
            assertFalse(c.valid());
        }
        try (Cursor c = b.cursor(alpha, bytes(k(7)), bytes(k(7)))) {
            assertFalse(c.valid());
            c.seek(bytes(k(7)));
            assertFalse(c.valid(), "an empty range stays empty");
            c.seek(START);
            assertFalse(c.valid());
        }
    }

    private static void assertKey(Cursor c, String expected) {
        assertTrue(c.valid(), "expected the cursor on " + expected);
        assertEquals(expected, str(c.key()));
    }

    @Test
    void cursorReadsTheStateAsOfItsOpening() {
        Backend b = open();
        Table alpha = b.table("alpha");
        fill(b, alpha, 10);
        try (Cursor c = b.cursor(alpha, START, null)) {
            assertKey(c, k(0));
            try (WriteBatch batch = b.batch()) {
                batch.put(alpha, bytes(k(0)), bytes("new"));
                batch.delete(alpha, bytes(k(5)));
                batch.put(alpha, bytes("k05a"), bytes("new"));
                batch.put(alpha, bytes("k99"), bytes("new"));
                batch.commit(false);
            }
            assertEquals("v00", str(c.value()));
            List<String> seen = new ArrayList<>();
            for (; c.valid(); c.next()) {
                seen.add(str(c.key()));
            }
            assertEquals(range(0, 10), seen, "later commits are not visible through an open cursor");
            c.seek(bytes("k05a"));
            assertKey(c, k(6));
        }
        List<String> now = new ArrayList<>(range(0, 10));
        now.remove(k(5));
        now.add(5, "k05a");
        now.add("k99");
        assertEquals(now, keys(b, alpha, "", null), "a new cursor sees them");
    }

    // ------------------------------------------------------------------------------------------------------- batches

    @Test
    void batchIsInvisibleUntilCommitted() {
        Backend b = open();
        Table alpha = b.table("alpha");
        Table beta = b.table("beta");
        put(b, alpha, "old", "1");
        try (WriteBatch batch = b.batch()) {
            assertEquals(0, batch.size());
            batch.put(alpha, bytes("new"), bytes("2"));
            batch.put(beta, bytes("other"), bytes("3"));
            batch.delete(alpha, bytes("old"));
            assertEquals(3, batch.size(), "every put and delete counts");
            assertNull(get(b, alpha, "new"));
            assertNull(get(b, beta, "other"));
            assertEquals("1", get(b, alpha, "old"));
            assertEquals(List.of("old"), keys(b, alpha, "", null));
            batch.commit(true);
        }
        assertEquals("2", get(b, alpha, "new"));
        assertEquals("3", get(b, beta, "other"));
        assertNull(get(b, alpha, "old"));
        assertReopened(b, scan(b, alpha), scan(b, beta));
    }

    @Test
    void laterChangesInABatchWin() {
        Backend b = open();
        Table alpha = b.table("alpha");
        try (WriteBatch batch = b.batch()) {
            batch.put(alpha, bytes("x"), bytes("1"));
            batch.put(alpha, bytes("x"), bytes("2"));
            batch.put(alpha, bytes("y"), bytes("1"));
            batch.delete(alpha, bytes("y"));
            batch.delete(alpha, bytes("z"));
            batch.put(alpha, bytes("z"), bytes("3"));
            batch.commit(false);
        }
        assertEquals(List.of("x", "z"), keys(b, alpha, "", null));
        assertEquals("2", get(b, alpha, "x"));
        assertEquals("3", get(b, alpha, "z"));
    }

    @Test
    void batchClosedWithoutCommitChangesNothing() {
        Backend b = open();
        Table alpha = b.table("alpha");
        put(b, alpha, "keep", "1");
        WriteBatch batch = b.batch();
        batch.put(alpha, bytes("keep"), bytes("changed"));
        batch.put(alpha, bytes("added"), bytes("2"));
        batch.delete(alpha, bytes("keep"));
        batch.close();
        batch.close(); // idempotent
        assertEquals(List.of("keep"), keys(b, alpha, "", null));
        assertEquals("1", get(b, alpha, "keep"));
        try (WriteBatch committed = b.batch()) {
            committed.put(alpha, bytes("after"), bytes("3"));
            committed.commit(false);
        } // closing a committed batch keeps its changes
        assertEquals(List.of("after", "keep"), keys(b, alpha, "", null));
        assertReopened(b, scan(b, alpha), Map.of());
    }

    @Test
    void concurrentReadersNeverSeePartOfABatch() throws Exception {
        Backend b = open();
        Table alpha = b.table("alpha");
        Table beta = b.table("beta");
        int width = 10;
        int batches = 300;
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong checks = new AtomicLong();
        CountDownLatch readersStarted = new CountDownLatch(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // Every batch sets beta/x and alpha/r0..r9 to the same number; a reader must see one number everywhere.
            Callable<Void> viaViews = () -> {
                readersStarted.countDown();
                while (!done.get()) {
                    try (BackendView view = b.view()) {
                        String x = hex(view.get(beta, bytes("x")));
                        Map<String, String> rows = scan(view, alpha);
                        assertUniform(x, rows, width);
                        checks.incrementAndGet();
                    }
                }
                return null;
            };
            Callable<Void> viaCursors = () -> {
                readersStarted.countDown();
                while (!done.get()) {
                    Map<String, String> rows = scan(b, alpha);
                    assertUniform(rows.isEmpty() ? null : rows.values().iterator().next(), rows, width);
                    checks.incrementAndGet();
                }
                return null;
            };
            Future<Void> first = pool.submit(viaViews);
            Future<Void> second = pool.submit(viaCursors);
            assertTrue(readersStarted.await(10, TimeUnit.SECONDS));
            try {
                for (int n = 1; n <= batches; n++) {
                    try (WriteBatch batch = b.batch()) {
                        byte[] value = bytes(Integer.toString(n));
                        batch.put(beta, bytes("x"), value);
                        for (int i = 0; i < width; i++) {
                            batch.put(alpha, bytes("r" + i), value);
                        }
                        batch.commit(n % 10 == 0);
                    }
                }
            } finally {
                done.set(true);
            }
            first.get(30, TimeUnit.SECONDS);
            second.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertTrue(checks.get() > 0, "the readers checked nothing");
        assertEquals(Integer.toString(batches), get(b, beta, "x"));
    }

    /** Asserts that the rows hold one batch: all {@code width} of them with the value {@code x} (hexadecimal). */
    private static void assertUniform(String x, Map<String, String> rows, int width) {
        if (x == null) {
            assertEquals(Map.of(), rows, "no batch is visible yet");
            return;
        }
        assertEquals(width, rows.size(), "rows of batch " + x);
        for (String value : rows.values()) {
            assertEquals(x, value, "rows of different batches");
        }
    }

    // --------------------------------------------------------------------------------------------------------- views

    @Test
    void viewDoesNotSeeLaterCommits() {
        Backend b = open();
        Table alpha = b.table("alpha");
        Table beta = b.table("beta");
        fill(b, alpha, 10);
        put(b, beta, "b1", "x");
        Map<String, String> alphaBefore = scan(b, alpha);
        Map<String, String> betaBefore = scan(b, beta);
        try (BackendView view = b.view()) {
            try (WriteBatch batch = b.batch()) {
                batch.put(alpha, bytes(k(1)), bytes("changed"));
                batch.delete(alpha, bytes(k(2)));
                batch.put(alpha, bytes("k02a"), bytes("new"));
                batch.put(alpha, bytes("k99"), bytes("new"));
                batch.delete(beta, bytes("b1"));
                batch.put(beta, bytes("b2"), bytes("new"));
                batch.commit(true);
            }
            assertEquals("v01", get(view, alpha, k(1)), "an overwrite after the view");
            assertEquals("v02", get(view, alpha, k(2)), "a delete after the view");
            assertNull(get(view, alpha, "k02a"), "a new key after the view");
            assertNull(get(view, alpha, "k99"));
            assertEquals("x", get(view, beta, "b1"));
            assertNull(get(view, beta, "b2"));
            assertEntries(alphaBefore, scan(view, alpha), "alpha through the view");
            assertEntries(betaBefore, scan(view, beta), "beta through the view");
            try (Cursor c = view.cursor(alpha, bytes(k(1)), bytes(k(3)))) {
                assertKey(c, k(1));
                assertEquals("v01", str(c.value()));
                c.seek(bytes("k02a"));
                assertFalse(c.valid(), "the key added later is not in the view's range");
            }
            assertEquals("changed", get(b, alpha, k(1)), "the backend itself sees the commit");
            assertNull(get(b, alpha, k(2)));
            assertEquals(11, scan(b, alpha).size(), "ten keys, one deleted, two added");
        }
    }

    @Test
    void severalViewsAtOnce() {
        Backend b = open();
        Table alpha = b.table("alpha");
        List<BackendView> views = new ArrayList<>();
        List<Map<String, String>> states = new ArrayList<>();
        try {
            for (int round = 0; round < 4; round++) {
                try (WriteBatch batch = b.batch()) {
                    batch.put(alpha, bytes("round"), bytes(Integer.toString(round)));
                    batch.put(alpha, bytes("key" + round), bytes("v"));
                    if (round > 0) {
                        batch.delete(alpha, bytes("key" + (round - 1)));
                    }
                    batch.commit(false);
                }
                views.add(b.view());
                states.add(scan(b, alpha));
            }
            views.remove(1).close(); // closing one view leaves the others alone
            states.remove(1);
            put(b, alpha, "round", "after");
            for (int i = 0; i < views.size(); i++) {
                assertEntries(states.get(i), scan(views.get(i), alpha), "view " + i);
            }
            assertEquals("0", get(views.get(0), alpha, "round"));
            assertEquals("3", get(views.get(2), alpha, "round"));
            assertEquals("after", get(b, alpha, "round"));
        } finally {
            for (BackendView view : views) {
                view.close();
                view.close(); // idempotent
            }
        }
    }

    @Test
    void viewsAndCursorsWorkFromOtherThreadsWhileWritesGoOn() throws Exception {
        Backend b = open();
        Table alpha = b.table("alpha");
        int n = 1000;
        try (WriteBatch batch = b.batch()) {
            for (int i = 0; i < n; i++) {
                batch.put(alpha, bytes(String.format("key%04d", i)), bytes("v1-" + i));
            }
            batch.commit(false);
        }
        Map<String, String> before = scan(b, alpha);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (BackendView view = b.view()) {
            CountDownLatch halfway = new CountDownLatch(2);
            CountDownLatch written = new CountDownLatch(1);
            // Each reader walks half its range, lets the writer change everything, then walks the rest.
            Future<Map<String, String>> viewScan = pool.submit(() -> scanInTwoHalves(view, alpha, n, halfway, written));
            Future<Map<String, String>> liveScan = pool.submit(() -> scanInTwoHalves(b, alpha, n, halfway, written));
            assertTrue(halfway.await(20, TimeUnit.SECONDS), "the readers did not get halfway");
            for (int i = 0; i < n; i += 100) {
                try (WriteBatch batch = b.batch()) {
                    for (int j = i; j < i + 100; j++) {
                        String key = String.format("key%04d", j);
                        if (j % 3 == 0) {
                            batch.delete(alpha, bytes(key));
                        } else {
                            batch.put(alpha, bytes(key), bytes("v2-" + j));
                        }
                        batch.put(alpha, bytes(key + "+"), bytes("new"));
                    }
                    batch.commit(i % 200 == 0);
                }
            }
            written.countDown();
            assertEntries(before, viewScan.get(30, TimeUnit.SECONDS), "a view read from another thread");
            assertEntries(before, liveScan.get(30, TimeUnit.SECONDS), "a cursor read from another thread");
            Future<String> point = pool.submit(() -> get(view, alpha, "key0003"));
            assertEquals("v1-3", point.get(30, TimeUnit.SECONDS), "a point read of a view from another thread");
        } finally {
            pool.shutdownNow();
        }
        assertNull(get(b, alpha, "key0003"));
        assertEquals("v2-4", get(b, alpha, "key0004"));
        assertEquals(n - (n + 2) / 3 + n, scan(b, alpha).size());
    }

    private static Map<String, String> scanInTwoHalves(BackendReader reader, Table table, int n,
            CountDownLatch halfway, CountDownLatch written) throws InterruptedException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Cursor c = reader.cursor(table, START, null)) {
            for (int i = 0; i < n / 2 && c.valid(); i++, c.next()) {
                out.put(hex(c.key()), hex(c.value()));
            }
            halfway.countDown();
            if (!written.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the writer did not finish");
            }
            for (; c.valid(); c.next()) {
                out.put(hex(c.key()), hex(c.value()));
            }
        }
        return out;
    }

    // -------------------------------------------------------------------------------------------------------- volume

    @Test
    void largeValuesReadBack() {
        Backend b = open();
        Table alpha = b.table("alpha");
        Random random = new Random(42);
        Map<String, byte[]> values = new TreeMap<>();
        for (int i = 0; i < 4; i++) {
            byte[] value = new byte[(1 << 20) + i]; // 1 MiB and a little more
            random.nextBytes(value);
            values.put("big" + i, value);
        }
        try (WriteBatch batch = b.batch()) {
            batch.put(alpha, bytes("big0"), values.get("big0"));
            batch.put(alpha, bytes("big1"), values.get("big1"));
            batch.commit(true);
        }
        for (String key : List.of("big2", "big3")) {
            try (WriteBatch batch = b.batch()) {
                batch.put(alpha, bytes(key), values.get(key));
                batch.commit(false);
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                assertArrayEquals(e.getValue(), b.get(alpha, bytes(e.getKey())), e.getKey());
            }
            try (Cursor c = b.cursor(alpha, START, null)) {
                for (Map.Entry<String, byte[]> e : values.entrySet()) {
                    assertKey(c, e.getKey());
                    assertArrayEquals(e.getValue(), c.value(), e.getKey() + " through a cursor");
                    c.next();
                }
                assertFalse(c.valid());
            }
            if (!durable()) {
                break;
            }
            b = reopen(b);
            alpha = b.table("alpha");
        }
    }

    @Test
    void manyKeysScanInOrder() {
        int n = 50_000;
        Backend b = open();
        Table alpha = b.table("alpha");
        // Multiplying by an odd constant permutes the ints: distinct keys spread over the whole unsigned range.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(3));
        for (int start = 0; start < n; start += 1000) {
            try (WriteBatch batch = b.batch()) {
                for (int i : order.subList(start, start + 1000)) {
                    batch.put(alpha, intKey(i), ByteBuffer.allocate(4).putInt(i).array());
                }
                batch.commit(false);
            }
        }
        int[] sorted = new int[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = i * 0x9E3779B9;
        }
        int[] expectedKeys = Arrays.stream(sorted).boxed().sorted(Integer::compareUnsigned).mapToInt(x -> x).toArray();
        for (int pass = 0; pass < 2; pass++) {
            int count = 0;
            try (Cursor c = b.cursor(alpha, START, null)) {
                for (; c.valid(); c.next()) {
                    int key = ByteBuffer.wrap(c.key()).getInt();
                    assertEquals(expectedKeys[count], key, "key #" + count);
                    assertEquals(key, ByteBuffer.wrap(c.value()).getInt() * 0x9E3779B9, "value of key #" + count);
                    count++;
                }
            }
            assertEquals(n, count);
            long upperHalf = Arrays.stream(expectedKeys).filter(k -> Integer.compareUnsigned(k, 0x80000000) >= 0
                    && Integer.compareUnsigned(k, 0xC0000000) < 0).count();
            int inRange = 0;
            try (Cursor c = b.cursor(alpha, unsigned(0x80, 0, 0, 0), unsigned(0xC0, 0, 0, 0))) {
                for (; c.valid(); c.next()) {
                    inRange++;
                }
            }
            assertEquals(upperHalf, inRange, "keys in [0x80000000, 0xC0000000)");
            if (!durable()) {
                break;
            }
            b = reopen(b);
            alpha = b.table("alpha");
        }
    }

    private static byte[] intKey(int i) {
        return ByteBuffer.allocate(4).putInt(i * 0x9E3779B9).array();
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
