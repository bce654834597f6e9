package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.keys;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.range;
import static io.flotilla.kv.service.mvcc.Requests.str;
import static io.flotilla.kv.service.mvcc.WriteRulesTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Compaction: what it discards, what stays readable, and its errors. */
class CompactionTest {

    private final KvStore kv = new KvStore();

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
        long sizeBefore = kv.mvcc().sizeBytes();
        assertEquals(6, kv.compact(compaction(5)).getHeader().getRevision());
        assertEquals(6, kv.mvcc().revision());
        assertEquals(5, kv.mvcc().compactRevision());
        assertEquals("2", str(kv.range(get("a").toBuilder().setRevision(5).build()).getKvs(0).getValue()));
        assertEquals("3", str(kv.range(get("a")).getKvs(0).getValue()));
        assertRefused(KvError.COMPACTED, () -> kv.range(get("a").toBuilder().setRevision(4).build()));
        assertTrue(kv.mvcc().sizeBytes() < sizeBefore, "dropped revisions no longer count");
    }

    @Test
    void aKeyDeletedBeforeThePointIsForgotten() {
        kv.compact(compaction(5));
        assertEquals(List.of("a"), keys(kv.range(range("\0", "\0").toBuilder().setRevision(5).build()).getKvsList()));
        assertNull(kv.mvcc().histories().get(Requests.bs("gone")), "its history is dropped entirely");
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

    private static CompactionRequest compaction(long revision) {
        return CompactionRequest.newBuilder().setRevision(revision).build();
    }
}
