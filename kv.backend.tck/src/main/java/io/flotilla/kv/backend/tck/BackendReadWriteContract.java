package io.flotilla.kv.backend.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.backend.Backend;
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
import org.junit.jupiter.api.Test;

/**
 * The first part of the {@link BackendContractTest}: reads and writes, tables, key order, cursors, large values and
 * many keys; and the helpers the other parts share. Backends extend {@link BackendContractTest}, which holds every
 * part.
 */
abstract class BackendReadWriteContract extends BackendTestSupport {

    static final byte[] START = new byte[0];

    static String str(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    static String k(int i) {
        return String.format("k%02d", i);
    }

    /** Puts {@code k00 .. k(n-1)} with values {@code v00 ..}. */
    static void fill(Backend backend, Table table, int n) {
        try (WriteBatch batch = backend.batch()) {
            for (int i = 0; i < n; i++) {
                batch.put(table, bytes(k(i)), bytes(String.format("v%02d", i)));
            }
            batch.commit(false);
        }
    }

    static List<String> range(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(k(i));
        }
        return out;
    }

    /** Checks the reopened backend: the same content when durable, empty otherwise. */
    Backend assertReopened(Backend backend, Map<String, String> alpha, Map<String, String> beta) {
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

    static void assertKey(Cursor c, String expected) {
        assertTrue(c.valid(), "expected the cursor on " + expected);
        assertEquals(expected, str(c.key()));
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

}
