package io.flotilla.kv.backend.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendReader;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The second part of the {@link BackendContractTest}: what a batch, a cursor and a view see of each other, also from
 * other threads while writes go on.
 */
abstract class BackendIsolationContract extends BackendReadWriteContract {

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
}
