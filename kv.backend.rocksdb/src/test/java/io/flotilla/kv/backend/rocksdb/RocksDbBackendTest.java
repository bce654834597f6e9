package io.flotilla.kv.backend.rocksdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendException;
import io.flotilla.kv.backend.BackendProvider;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.backend.CorruptBackendException;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import io.flotilla.kv.backend.tck.BackendTestSupport;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** What is particular to the {@code rocksdb} backend: options, memory bounds, column families, damaged files, errors. */
class RocksDbBackendTest extends BackendTestSupport {

    @Override
    protected BackendProvider provider() {
        return new RocksDbBackendProvider();
    }

    @Override
    protected boolean durable() {
        return true;
    }

    @Override
    protected Map<String, String> options() {
        return Map.of("writeBufferBytes", "256k", "cacheBytes", "4m");
    }

    @Test
    void runsOnTheModulePathAndIsFoundByName() {
        assertTrue(getClass().getModule().isNamed(), "tests should run inside the module");
        assertEquals("io.flotilla.kv.backend.rocksdb", RocksDbBackendProvider.class.getModule().getName());
        assertInstanceOf(RocksDbBackendProvider.class, Backends.provider("rocksdb"));
    }

    @Test
    void optionsAreValidatedAndUnknownOnesRefusedNamingTheKnownOnes() {
        IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("cacheBytes", "lots")));
        assertTrue(notANumber.getMessage().contains("cacheBytes"), notANumber.getMessage());
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("writeBufferBytes", "1k")));
        assertTrue(tooSmall.getMessage().contains("writeBufferBytes") && tooSmall.getMessage().contains("65536"),
                tooSmall.getMessage());
        IllegalArgumentException cacheTooSmall = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("cacheBytes", "512k")));
        assertTrue(cacheTooSmall.getMessage().contains("cacheBytes"), cacheTooSmall.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> open(Map.of("blockCacheSize", "64m")));
        assertTrue(unknown.getMessage().contains("blockCacheSize") && unknown.getMessage().contains("cacheBytes")
                && unknown.getMessage().contains("writeBufferBytes"), unknown.getMessage());
    }

    @Test
    void defaultsApply() {
        RocksDbBackend b = (RocksDbBackend) open(Map.of());
        assertEquals(64L << 20, b.property("rocksdb.block-cache-capacity"));
        put(b, b.table("alpha"), "k", "v");
        assertEquals("v", get(b, b.table("alpha"), "k"));
    }

    @Test
    void aSmallMemoryBoundHoldsUnderWrites() {
        long cache = 1L << 20;
        // Memtables of 2 MB per table would hold all 4 MB written below: the cache's budget must flush them sooner.
        RocksDbBackend b = (RocksDbBackend) open(Map.of("cacheBytes", "1m", "writeBufferBytes", "2m"));
        assertEquals(cache, b.property("rocksdb.block-cache-capacity"));
        Table alpha = b.table("alpha");
        Table beta = b.table("beta");
        Random random = new Random(11);
        long maxMemtables = 0;
        int n = 4000; // 4 MB of values: four times the whole cache
        for (int start = 0; start < n; start += 100) {
            try (WriteBatch batch = b.batch()) {
                for (int i = start; i < start + 100; i++) {
                    byte[] value = new byte[1000];
                    random.nextBytes(value);
                    batch.put(i % 2 == 0 ? alpha : beta, bytes(String.format("key%05d", i)), value);
                }
                batch.commit(false);
            }
            maxMemtables = Math.max(maxMemtables, b.sumOf("rocksdb.size-all-mem-tables"));
        }
        // A memtable passes its size by the write that fills it, and grows by arena blocks: allow a quarter. Without
        // the per-table cap, the memtables of this test reach 3.5 times the cache.
        assertTrue(maxMemtables <= cache + cache / 4, "memtables took " + maxMemtables + " bytes with a cache of "
                + cache);
        assertTrue(b.property("rocksdb.block-cache-usage") <= 2 * cache,
                "block cache usage " + b.property("rocksdb.block-cache-usage"));
        random = new Random(11);
        for (int i = 0; i < n; i++) {
            byte[] value = new byte[1000];
            random.nextBytes(value);
            assertArrayEquals(value, b.get(i % 2 == 0 ? alpha : beta, bytes(String.format("key%05d", i))), "key" + i);
        }
        assertTrue(b.property("rocksdb.block-cache-usage") <= 2 * cache,
                "block cache usage after reading everything: " + b.property("rocksdb.block-cache-usage"));
    }

    @Test
    void memtablesAreCappedAtTheirShareOfTheCache() {
        RocksDbSettings defaults = new RocksDbSettings(64L << 20, 16L << 20);
        assertEquals(16L << 20, defaults.memtableBytes(1), "one table: writeBufferBytes as set");
        assertEquals(16L << 20, defaults.memtableBytes(2), "two tables: 32 MiB of budget, 16 MiB each");
        assertEquals((32L << 20) / 5, defaults.memtableBytes(5), "the KV service's five tables share 32 MiB");
        assertEquals(64L << 10, new RocksDbSettings(1L << 20, 1L << 20).memtableBytes(100), "never below 64 KiB");
    }

    @Test
    void tablesCanBeAddedAndUndeclaredOnesAreKept() {
        Backend b = open();
        put(b, b.table("alpha"), "a", "1");
        put(b, b.table("beta"), "b", "2");
        b.close();
        Backend fewer = open(directory, List.of("alpha", "gamma"), options());
        assertEquals("1", get(fewer, fewer.table("alpha"), "a"));
        assertThrows(IllegalArgumentException.class, () -> fewer.table("beta"));
        put(fewer, fewer.table("gamma"), "c", "3");
        fewer.close();
        Backend all = open(directory, List.of("alpha", "beta", "gamma"), options());
        assertEquals("1", get(all, all.table("alpha"), "a"));
        assertEquals("2", get(all, all.table("beta"), "b"), "a table not declared in between kept its data");
        assertEquals("3", get(all, all.table("gamma"), "c"));
    }

    @Test
    void aTableNamedDefaultIsRocksDbsDefaultColumnFamily() {
        Backend b = open(directory, List.of("default", "other"), options());
        put(b, b.table("default"), "k", "in default");
        assertNull(get(b, b.table("other"), "k"));
        b.close();
        Backend again = open(directory, List.of("default", "other"), options());
        assertEquals("in default", get(again, again.table("default"), "k"));
    }

    @Test
    void badTableListsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> open(directory, List.of("a", "a"), options()));
        assertThrows(IllegalArgumentException.class, () -> open(directory, List.of(""), options()));
    }

    @Test
    void aDirectoryInUseIsRefusedAsSuch() {
        open();
        BackendException e = assertThrows(BackendException.class, this::open);
        assertFalse(e instanceof CorruptBackendException, e.getMessage());
        assertFalse(e.isNoSpace());
        assertTrue(e.getMessage().contains(directory.toString()) && e.getMessage().contains("in use"),
                e.getMessage());
    }

    @Test
    void aDamagedTableFileFailsTheOpenNamingTheFile() throws IOException {
        Path sst = writeTableFile();
        try (RandomAccessFile file = new RandomAccessFile(sst.toFile(), "rw")) {
            file.seek(file.length() - 48); // the footer, with its magic number
            file.write(new byte[48]);
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            // The second attempt fails the same way: the failed open released RocksDB's lock.
            CorruptBackendException e = assertThrows(CorruptBackendException.class, this::open);
            assertTrue(e.getMessage().contains(directory.toString()) && e.getMessage().contains("file " + sst)
                    && e.getMessage().contains("damaged"), e.getMessage());
        }
    }

    @Test
    void aDamagedDataBlockFailsTheReadNamingTheFile() throws IOException {
        Path sst = writeTableFile();
        try (RandomAccessFile file = new RandomAccessFile(sst.toFile(), "rw")) {
            file.seek(100); // inside the first data block
            file.write(new byte[64]);
        }
        Backend b = open();
        Table alpha = b.table("alpha");
        CorruptBackendException e = assertThrows(CorruptBackendException.class, () -> {
            try (Cursor c = b.cursor(alpha, new byte[0], null)) {
                for (; c.valid(); c.next()) {
                    c.value();
                }
            }
        });
        assertTrue(e.getMessage().contains(directory.toString()) && e.getMessage().contains("file " + sst),
                e.getMessage());
    }

    /** Writes 2000 keys into alpha, compacts them into table files and closes; returns the largest file. */
    private Path writeTableFile() throws IOException {
        Backend b = open();
        Table alpha = b.table("alpha");
        Random random = new Random(9);
        try (WriteBatch batch = b.batch()) {
            for (int i = 0; i < 2000; i++) {
                byte[] value = new byte[200];
                random.nextBytes(value);
                batch.put(alpha, bytes(String.format("key%05d", i)), value);
            }
            batch.commit(true);
        }
        b.defragment();
        b.close();
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".sst"))
                    .max(Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow(() -> new AssertionError("no table file in " + directory));
        }
    }

    @Test
    void errorsAreTranslated() {
        Path dir = Path.of("/data/kv");
        BackendException full = RocksDbErrors.translate(dir, "commit", new RocksDBException(
                "IO error: No space left on device: While appending to file: /data/kv/000012.log",
                new Status(Status.Code.IOError, Status.SubCode.NoSpace, "No space left on device")));
        assertTrue(full.isNoSpace(), full.getMessage());
        assertTrue(full.getMessage().contains("/data/kv") && full.getMessage().contains("commit"), full.getMessage());
        assertTrue(RocksDbErrors.translate(dir, "flush", new RocksDBException("IO error: No space left on device",
                new Status(Status.Code.IOError, Status.SubCode.None, null))).isNoSpace(), "known by its message");
        BackendException corrupt = RocksDbErrors.translate(dir, "open", new RocksDBException(
                "Corruption: block checksum mismatch in /data/kv/000042.sst offset 0 size 697. The file "
                        + "/data/kv/MANIFEST-000005 may be corrupted.",
                new Status(Status.Code.Corruption, Status.SubCode.None, null)));
        assertInstanceOf(CorruptBackendException.class, corrupt);
        assertTrue(corrupt.getMessage().contains("file /data/kv/000042.sst is damaged"), corrupt.getMessage());
        assertFalse(corrupt.isNoSpace());
        BackendException manifest = RocksDbErrors.translate(dir, "open", new RocksDBException(
                "Corruption: bad record length in MANIFEST-000007",
                new Status(Status.Code.Corruption, Status.SubCode.None, null)));
        assertTrue(manifest.getMessage().contains("file /data/kv/MANIFEST-000007"), manifest.getMessage());
        BackendException locked = RocksDbErrors.translate(dir, "open", new RocksDBException(
                "IO error: While lock file: /data/kv/LOCK: Resource temporarily unavailable",
                new Status(Status.Code.IOError, Status.SubCode.None, null)));
        assertFalse(locked instanceof CorruptBackendException);
        assertTrue(locked.getMessage().contains("/data/kv is in use by another process"), locked.getMessage());
        BackendException other = RocksDbErrors.translate(dir, "read", new RocksDBException("Busy: try again",
                new Status(Status.Code.Busy, Status.SubCode.None, null)));
        assertFalse(other instanceof CorruptBackendException || other.isNoSpace());
        assertTrue(other.getMessage().contains("/data/kv: read failed: Busy"), other.getMessage());
    }
}
