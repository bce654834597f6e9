package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import org.junit.jupiter.api.Test;

/** The store-wide revision and the per-key create revision, mod revision and version. */
class RevisionRulesTest {

    private final KvStore kv = TestStores.kv();

    @Test
    void anEmptyStoreIsAtRevisionOneAndTheFirstWriteMakesTwo() {
        assertEquals(1, kv.range(get("a")).getHeader().getRevision());
        assertEquals(2, kv.put(put("a", "1")).getHeader().getRevision());
        assertEquals(2, kv.mvcc().revision());
    }

    @Test
    void everyPutRaisesTheRevisionByOne() {
        kv.put(put("a", "1"));
        kv.put(put("b", "1"));
        assertEquals(4, kv.put(put("a", "2")).getHeader().getRevision());
    }

    @Test
    void createRevisionStaysModRevisionMovesAndVersionCounts() {
        kv.put(put("a", "1"));
        kv.put(put("other", "x"));
        kv.put(put("a", "2"));
        KeyValue a = kv.range(get("a")).getKvs(0);
        assertEquals(2, a.getCreateRevision());
        assertEquals(4, a.getModRevision());
        assertEquals(2, a.getVersion());
        assertEquals("2", str(a.getValue()));
    }

    @Test
    void deleteResetsTheKeyAndARecreatedKeyStartsAtVersionOne() {
        kv.put(put("a", "1"));
        kv.put(put("a", "2"));
        assertEquals(4, kv.deleteRange(delete("a")).getHeader().getRevision());
        assertEquals(0, kv.range(get("a")).getCount());
        kv.put(put("a", "3"));
        KeyValue a = kv.range(get("a")).getKvs(0);
        assertEquals(5, a.getCreateRevision());
        assertEquals(5, a.getModRevision());
        assertEquals(1, a.getVersion());
    }

    @Test
    void deletingNothingLeavesTheRevisionAlone() {
        kv.put(put("a", "1"));
        var response = kv.deleteRange(delete("missing"));
        assertEquals(0, response.getDeleted());
        assertEquals(2, response.getHeader().getRevision());
        assertEquals(2, kv.mvcc().revision());
    }

    @Test
    void historyIsKeptSoEarlierRevisionsCanBeRead() {
        kv.put(put("a", "1"));   // 2
        kv.put(put("a", "2"));   // 3
        kv.deleteRange(delete("a")); // 4
        kv.put(put("a", "3"));   // 5
        assertEquals("1", str(read("a", 2).getValue()));
        assertEquals("2", str(read("a", 3).getValue()));
        assertEquals(0, kv.range(get("a").toBuilder().setRevision(4).build()).getKvsCount());
        assertEquals("3", str(read("a", 5).getValue()));
        assertEquals(0, kv.range(get("a").toBuilder().setRevision(1).build()).getKvsCount());
    }

    @Test
    void aReadAtAnOldRevisionReportsTheCurrentRevisionInItsHeader() {
        kv.put(put("a", "1"));
        kv.put(put("a", "2"));
        assertEquals(3, kv.range(get("a").toBuilder().setRevision(2).build()).getHeader().getRevision());
    }

    @Test
    void putWithPrevKvReturnsTheRecordItReplaced() {
        assertFalse(kv.put(put("a", "1").toBuilder().setPrevKv(true).build()).hasPrevKv());
        var response = kv.put(put("a", "2").toBuilder().setPrevKv(true).build());
        assertTrue(response.hasPrevKv());
        assertEquals("1", str(response.getPrevKv().getValue()));
        assertEquals(2, response.getPrevKv().getModRevision());
        assertFalse(kv.put(put("a", "3")).hasPrevKv(), "prev_kv is returned only when asked for");
    }

    private KeyValue read(String key, long revision) {
        RangeRequest r = get(key).toBuilder().setRevision(revision).build();
        return kv.range(r).getKvs(0);
    }
}
