package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.keys;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.range;
import static io.flotilla.kv.service.mvcc.Requests.str;
import static io.flotilla.kv.service.mvcc.WriteRulesTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction: what it discards, what stays readable, and its errors. */
class CompactionTest {

    private final KvStore kv = TestStores.kv();

    @BeforeEach
    void fill() {
        kv.put(put("a", "1"));        // 2
        kv.put(put("a", "2"));        // 3
        kv.put(put("gone", "x"));     // 4
        kv.deleteRange(delete("gone")); // 5
        kv.put(put("a", "3"));        // 6
    }

    @Test
    void compactionKeepsTheRevisionAndEverythingReadableFromThePointOn() {
        assertEquals(6, kv.compact(compaction(5)).getHeader().getRevision());
        assertEquals(6, kv.mvcc().revision());
        assertEquals(5, kv.mvcc().compactRevision());
        assertEquals("2", str(kv.range(get("a").toBuilder().setRevision(5).build()).getKvs(0).getValue()));
        assertEquals("3", str(kv.range(get("a")).getKvs(0).getValue()));
        assertRefused(KvError.COMPACTED, () -> kv.range(get("a").toBuilder().setRevision(4).build()));
        kv.mvcc().compactor().whenFinished(5).join();
        assertEquals(List.of("a@3", "a@6"), history(kv.mvcc()), "a@2 is unreachable; a@3 is what revision 5 sees");
    }

    @Test
    void revisionEntriesOfTheEarlierFormWithoutThePreviousRevisionAreCompactedAlike() {
        var backend = kv.mvcc().backend();
        var revisions = backend.table(MvccLayout.REVISIONS);
        kv.mvcc().flush();
        try (var batch = backend.batch(); var c = backend.cursor(revisions, new byte[0], null)) {
            for (; c.valid(); c.next()) {
                byte[] linked = c.value();
                batch.put(revisions, c.key(), MvccLayout.revisionValue(linked[0] == MvccLayout.KIND_DELETE_LINKED
                        ? MvccLayout.KIND_DELETE : MvccLayout.KIND_PUT, MvccLayout.revisionUserKey(linked)));
            }
            batch.commit(false);
        }
        kv.compact(compaction(5));
        kv.mvcc().compactor().whenFinished(5).join();
        assertEquals(List.of("a@3", "a@6"), history(kv.mvcc()));
    }

    @Test
    void aKeyDeletedBeforeThePointIsForgotten() {
        kv.compact(compaction(5));
        assertEquals(List.of("a"), keys(kv.range(range("\0", "\0").toBuilder().setRevision(5).build()).getKvsList()));
        kv.mvcc().compactor().whenFinished(5).join();
        assertTrue(history(kv.mvcc()).stream().noneMatch(c -> c.startsWith("gone")), "its history is dropped entirely");
    }

    @Test
    void versionsAndCreateRevisionsSurviveCompaction() {
        kv.compact(compaction(6));
        var a = kv.range(get("a")).getKvs(0);
        assertEquals(3, a.getVersion());
        assertEquals(2, a.getCreateRevision());
        kv.put(put("a", "4"));
        assertEquals(4, kv.range(get("a")).getKvs(0).getVersion());
    }

    @Test
    void compactingAtOrBelowThePreviousPointIsCompacted() {
        kv.compact(compaction(4));
        assertRefused(KvError.COMPACTED, () -> kv.compact(compaction(4)));
        assertRefused(KvError.COMPACTED, () -> kv.compact(compaction(3)));
    }

    @Test
    void compactingAboveTheCurrentRevisionIsAFutureRevision() {
        assertRefused(KvError.FUTURE_REVISION, () -> kv.compact(compaction(7)));
        assertEquals(0, kv.mvcc().compactRevision());
    }

    @Test
    void compactingAtTheCurrentRevisionIsAllowed() {
        kv.compact(compaction(6));
        assertEquals(1, kv.range(get("a")).getCount());
        assertRefused(KvError.COMPACTED, () -> kv.range(get("a").toBuilder().setRevision(5).build()));
    }

    @Test
    void compactionResumesAfterARestartAndEachCompactionOnlyVisitsWhatChangedSince(@TempDir Path dir) {
        MvccStore store = TestStores.open("rocksdb", dir);
        KvStore disk = new KvStore(store);
        for (int i = 0; i < 3000; i++) {
            disk.put(put("k" + (i % 100), "v" + i)); // 30 revisions of each of 100 keys
        }
        disk.compact(compaction(2500));
        store.compactor().whenFinished(2500).join();
        assertEquals(100 + 501, history(store).size(), "each key's record at 2500, and every change after it");
        store.close();

        MvccStore reopened = TestStores.open("rocksdb", dir);
        assertEquals(3001, reopened.revision());
        assertEquals(2500, reopened.compactRevision());
        assertEquals("v2999", str(new KvStore(reopened).range(get("k99")).getKvs(0).getValue()));
        assertRefused(KvError.COMPACTED, () -> new KvStore(reopened).range(get("k1").toBuilder().setRevision(2499)
                .build()));
        reopened.close();
    }

    /** Every change the history table holds, as key@revision in table order. */
    static List<String> history(MvccStore store) {
        List<String> out = new java.util.ArrayList<>();
        var backend = store.backend();
        try (var c = backend.cursor(backend.table(MvccLayout.HISTORY), new byte[0], null)) {
            for (; c.valid(); c.next()) {
                out.add(new String(MvccLayout.userKeyOf(c.key()), java.nio.charset.StandardCharsets.UTF_8) + "@"
                        + MvccLayout.historyRevision(c.key()));
            }
        }
        out.sort(null);
        return out;
    }

    private static CompactionRequest compaction(long revision) {
        return CompactionRequest.newBuilder().setRevision(revision).build();
    }
}
