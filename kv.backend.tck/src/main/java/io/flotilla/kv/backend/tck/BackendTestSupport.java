package io.flotilla.kv.backend.tck;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.BackendProvider;
import io.flotilla.kv.backend.BackendReader;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the kit's tests share: the backend under test, a fresh directory per test, opening and reopening, and
 * readable views of keys and values. Extend {@link BackendContractTest} or {@link BackendCrashTest}, not this class.
 *
 * <p>Keys and values are shown as hexadecimal strings in assertions, so that a failure prints something readable
 * and lists compare by content.
 */
public abstract class BackendTestSupport {

    /** The tables every backend in the kit's contract tests is opened with. */
    protected static final List<String> TABLES = List.of("alpha", "beta");

    private static final HexFormat HEX = HexFormat.of();

    /** A fresh directory per test, owned by the backend. */
    @TempDir
    protected Path directory;

    private final List<Backend> opened = new ArrayList<>();

    /** Creates the test; JUnit calls it. */
    protected BackendTestSupport() {
    }

    /** {@return the provider of the backend under test} */
    protected abstract BackendProvider provider();

    /** {@return whether the backend keeps its data across a close and reopen of the same directory} */
    protected abstract boolean durable();

    /** {@return the options every backend in the test is opened with; none by default} */
    protected Map<String, String> options() {
        return Map.of();
    }

    /** {@return a backend on the test's directory with {@link #TABLES} and {@link #options()}; closed after the test} */
    protected Backend open() {
        return open(directory, TABLES, options());
    }

    /**
     * Opens a backend with the given options on the test's directory; it is closed after the test.
     *
     * @param options the options
     * @return the backend
     */
    protected Backend open(Map<String, String> options) {
        return open(directory, TABLES, options);
    }

    /**
     * Opens a backend; it is closed after the test.
     *
     * @param dir     its directory
     * @param tables  the tables to declare
     * @param options the options
     * @return the backend
     */
    protected Backend open(Path dir, List<String> tables, Map<String, String> options) {
        Backend backend = provider().open(new BackendContext(dir, tables, options));
        opened.add(backend);
        return backend;
    }

    /**
     * Closes a backend and opens the test's directory again with {@link #TABLES} and {@link #options()}.
     *
     * @param backend the backend to close
     * @return the reopened backend
     */
    protected Backend reopen(Backend backend) {
        backend.close();
        return open();
    }

    @AfterEach
    void closeBackends() {
        // In reverse, so a backend's native resources go before anything opened earlier; close is idempotent.
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }

    /**
     * Encodes a string as UTF-8.
     *
     * @param text the text
     * @return its bytes
     */
    protected static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Builds a byte array from ints, so that bytes above 0x7F need no casts.
     *
     * @param values each in {@code 0..255}
     * @return the bytes
     */
    protected static byte[] unsigned(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    /**
     * Shows bytes as hexadecimal.
     *
     * @param value the bytes, or null
     * @return lower-case hexadecimal, or null
     */
    protected static String hex(byte[] value) {
        return value == null ? null : HEX.formatHex(value);
    }

    /**
     * Commits one batch that puts the given keys and values (UTF-8).
     *
     * @param backend the backend
     * @param table   the table
     * @param kvs     key, value, key, value, ...
     */
    protected static void put(Backend backend, Table table, String... kvs) {
        try (WriteBatch batch = backend.batch()) {
            for (int i = 0; i < kvs.length; i += 2) {
                batch.put(table, bytes(kvs[i]), bytes(kvs[i + 1]));
            }
            batch.commit(false);
        }
    }

    /**
     * Reads a value as UTF-8.
     *
     * @param reader the backend or view
     * @param table  the table
     * @param key    the key (UTF-8)
     * @return the value, or null if absent
     */
    protected static String get(BackendReader reader, Table table, String key) {
        byte[] value = reader.get(table, bytes(key));
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /**
     * Walks a whole cursor range.
     *
     * @param reader the backend or view
     * @param table  the table
     * @param from   the first key
     * @param to     the end, or null
     * @return hexadecimal key to hexadecimal value, in the cursor's order
     */
    protected static Map<String, String> scan(BackendReader reader, Table table, byte[] from, byte[] to) {
        Map<String, String> out = new LinkedHashMap<>();
        try (Cursor c = reader.cursor(table, from, to)) {
            for (; c.valid(); c.next()) {
                String key = hex(c.key());
                if (out.put(key, hex(c.value())) != null) {
                    throw new AssertionError("the cursor returned key " + key + " twice");
                }
            }
        }
        return out;
    }

    /**
     * Walks a whole table.
     *
     * @param reader the backend or view
     * @param table  the table
     * @return hexadecimal key to hexadecimal value, in the cursor's order
     */
    protected static Map<String, String> scan(BackendReader reader, Table table) {
        return scan(reader, table, new byte[0], null);
    }

    /**
     * Asserts that two scans hold the same entries in the same order; on a difference, names the first few missing,
     * unexpected and changed keys rather than printing both scans whole.
     *
     * @param expected the expected scan, hexadecimal key to hexadecimal value
     * @param actual   the scan found
     * @param what     what was scanned, for the message
     */
    protected static void assertEntries(Map<String, String> expected, Map<String, String> actual, String what) {
        if (expected.equals(actual) && List.copyOf(expected.keySet()).equals(List.copyOf(actual.keySet()))) {
            return;
        }
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        expected.forEach((k, v) -> {
            if (!actual.containsKey(k)) {
                missing.add(k);
            } else if (!v.equals(actual.get(k))) {
                changed.add(k + ": " + v + " became " + actual.get(k));
            }
        });
        actual.keySet().stream().filter(k -> !expected.containsKey(k)).forEach(unexpected::add);
        throw new AssertionError(what + ": expected " + expected.size() + " entries, found " + actual.size()
                + "; missing " + missing.size() + " " + firstFew(missing) + ", unexpected " + unexpected.size() + " "
                + firstFew(unexpected) + ", changed " + changed.size() + " " + firstFew(changed)
                + (missing.isEmpty() && unexpected.isEmpty() && changed.isEmpty() ? ", in another order" : ""));
    }

    private static List<String> firstFew(List<String> items) {
        return items.size() <= 5 ? items : items.subList(0, 5);
    }

    /**
     * Walks a cursor range and returns its keys as UTF-8 strings.
     *
     * @param reader the backend or view
     * @param table  the table
     * @param from   the first key (UTF-8)
     * @param to     the end (UTF-8), or null
     * @return the keys, in the cursor's order
     */
    protected static List<String> keys(BackendReader reader, Table table, String from, String to) {
        List<String> out = new ArrayList<>();
        try (Cursor c = reader.cursor(table, bytes(from), to == null ? null : bytes(to))) {
            for (; c.valid(); c.next()) {
                out.add(new String(c.key(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
