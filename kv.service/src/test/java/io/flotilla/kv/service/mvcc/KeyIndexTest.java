package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.rangeBuilder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key index ({@link MvccLayout#KEYS}): a value is stored once, in the history, and the index holds only the
 * revisions a put needs; a store written in the earlier layout (current records in a table of their own) is moved to
 * the index when it is opened, and answers exactly as before.
 */
class KeyIndexTest {

    @TempDir
    Path dir;

    @Test
    void theIndexHoldsRevisionsAndVersionNotTheValue() {
        try (MvccStore store = TestStores.memory()) {
            KvStore kv = new KvStore(store);
            kv.put(put("k", "first"));
            kv.put(put("k", "second"));
            store.flush();
            Backend backend = store.backend();
            MvccLayout.IndexEntry entry = MvccLayout.IndexEntry.decode(
                    backend.get(backend.table(MvccLayout.KEYS), "k".getBytes()), "k".getBytes());
            assertEquals(new MvccLayout.IndexEntry(3, 2, 2, 0), entry);
            kv.deleteRange(delete("k"));
            store.flush();
            assertNull(backend.get(backend.table(MvccLayout.KEYS), "k".getBytes()), "a deleted key leaves the index");
        }
    }

    @Test
    void aStoreOfTheEarlierLayoutIsMovedToTheIndexAndAnswersAsBefore() {
        List<String> before;
        try (MvccStore store = TestStores.open("rocksdb", dir)) {
            KvStore kv = new KvStore(store);
            for (int i = 0; i < 25_000; i++) { // more than one migration batch
                kv.put(put("key" + (i % 12_000), "v" + i));
            }
            kv.deleteRange(delete("key1", "key2"));
            before = answers(kv);
            store.flush();
            toEarlierLayout(store.backend());
        }
        try (MvccStore store = TestStores.open("rocksdb", dir)) {
            Backend backend = store.backend();
            assertTrue(isEmpty(backend, backend.table(MvccLayout.LEGACY_LATEST)), "the earlier table is emptied");
            KvStore kv = new KvStore(store);
            assertEquals(before, answers(kv));
            kv.put(put("key5", "after"));
            var kvs = kv.range(rangeBuilder("key5", "").build()).getKvs(0);
            assertEquals(4, kvs.getVersion(), "versions continue from the moved index entry");
        }
    }

    /** Rewrites a store as the earlier layout kept it: each key's current record in its own table, no index. */
    private static void toEarlierLayout(Backend backend) {
        Table keys = backend.table(MvccLayout.KEYS);
        Table latest = backend.table(MvccLayout.LEGACY_LATEST);
        Table history = backend.table(MvccLayout.HISTORY);
        try (WriteBatch batch = backend.batch(); Cursor c = backend.cursor(keys, new byte[0], null)) {
            int n = 0;
            for (; c.valid(); c.next(), n++) {
                byte[] key = c.key();
                long modRevision = MvccLayout.IndexEntry.decode(c.value(), key).modRevision();
                batch.put(latest, key, backend.get(history, MvccLayout.historyKey(key, modRevision)));
                batch.delete(keys, key);
            }
            assertEquals(12_000 - 3_111, n, "keys left after deleting [key1, key2)");
            batch.commit(true);
        }
        assertTrue(isEmpty(backend, keys));
        assertFalse(isEmpty(backend, latest));
    }

    private static boolean isEmpty(Backend backend, Table table) {
        try (Cursor c = backend.cursor(table, new byte[0], null)) {
            return !c.valid();
        }
    }

    private static List<String> answers(KvStore kv) {
        List<String> out = new ArrayList<>();
        for (RangeRequest r : List.of(
                rangeBuilder("\0", "\0").setCountOnly(true).build(),
                rangeBuilder("key0", "key1").setLimit(50).build(),
                rangeBuilder("key7", "").build(),
                rangeBuilder("key9", "key99").build())) {
            out.add(kv.range(r).toString());
        }
        return out;
    }
}
