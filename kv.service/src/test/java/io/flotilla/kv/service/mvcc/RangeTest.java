package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.bs;
import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.keys;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.range;
import static io.flotilla.kv.service.mvcc.Requests.rangeBuilder;
import static io.flotilla.kv.service.mvcc.Requests.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest.SortOrder;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest.SortTarget;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Range: key ranges, limit, count, revisions, sorting and the projections. */
class RangeTest {

    private static final String ZERO = "\0";

    private final KvStore kv = TestStores.kv();

    @BeforeEach
    void fill() {
        kv.put(put("a", "3"));       // rev 2
        kv.put(put("ab", "1"));      // rev 3
        kv.put(put("abc", "2"));     // rev 4
        kv.put(put("b", "5"));       // rev 5
        kv.put(put("c", "4"));       // rev 6
        kv.put(put("ab", "1b"));     // rev 7: ab is at version 2
    }

    @Test
    void anEmptyRangeEndReadsOneKey() {
        assertEquals(List.of("ab"), keys(kv.range(get("ab")).getKvsList()));
        assertEquals(List.of(), keys(kv.range(get("zz")).getKvsList()));
    }

    @Test
    void aRangeEndReadsTheHalfOpenInterval() {
        assertEquals(List.of("a", "ab", "abc"), keys(kv.range(range("a", "b")).getKvsList()));
        assertEquals(List.of("ab", "abc", "b"), keys(kv.range(range("ab", "c")).getKvsList()));
    }

    @Test
    void keyPlusOneIsAPrefixRead() {
        assertEquals(List.of("ab", "abc"), keys(kv.range(range("ab", "ac")).getKvsList()));
    }

    @Test
    void zeroRangeEndReadsEveryKeyFromTheKeyOn() {
        assertEquals(List.of("b", "c"), keys(kv.range(range("b", ZERO)).getKvsList()));
    }

    @Test
    void zeroKeyAndZeroRangeEndReadAllKeys() {
        assertEquals(List.of("a", "ab", "abc", "b", "c"), keys(kv.range(range(ZERO, ZERO)).getKvsList()));
    }

    @Test
    void aRangeEndNotAfterTheKeyIsEmpty() {
        assertEquals(0, kv.range(range("b", "a")).getCount());
        assertEquals(0, kv.range(range("b", "b")).getCount());
    }

    @Test
    void keysCompareAsUnsignedBytes() {
        kv.put(put("\u00ff", "high"));   // UTF-8 0xC3 0xBF: above every ASCII key
        assertEquals(List.of("c", "\u00ff"), keys(kv.range(range("c", ZERO)).getKvsList()));
    }

    @Test
    void limitCutsTheResultSetsMoreAndLeavesCountWhole() {
        RangeResponse r = kv.range(rangeBuilder("a", ZERO).setLimit(2).build());
        assertEquals(List.of("a", "ab"), keys(r.getKvsList()));
        assertTrue(r.getMore());
        assertEquals(5, r.getCount());
        RangeResponse exact = kv.range(rangeBuilder("a", ZERO).setLimit(5).build());
        assertFalse(exact.getMore());
        assertEquals(5, exact.getKvsCount());
    }

    @Test
    void countOnlyReturnsNoRecords() {
        RangeResponse r = kv.range(rangeBuilder("a", ZERO).setCountOnly(true).build());
        assertEquals(5, r.getCount());
        assertEquals(0, r.getKvsCount());
    }

    @Test
    void keysOnlyDropsValuesButKeepsRevisions() {
        RangeResponse r = kv.range(rangeBuilder("ab", "ac").setKeysOnly(true).build());
        assertEquals(List.of("ab", "abc"), keys(r.getKvsList()));
        assertEquals(List.of("", ""), values(r.getKvsList()));
        assertEquals(7, r.getKvs(0).getModRevision());
    }

    @Test
    void readsAtARevisionSeeTheStoreAsItWasThen() {
        RangeResponse r = kv.range(rangeBuilder("a", ZERO).setRevision(4).build());
        assertEquals(List.of("a", "ab", "abc"), keys(r.getKvsList()));
        assertEquals(List.of("3", "1", "2"), values(r.getKvsList()));
        assertEquals(7, r.getHeader().getRevision());
    }

    @Test
    void aRevisionAboveTheCurrentOneIsAFutureRevision() {
        KvException e = assertThrows(KvException.class, () -> kv.range(get("a").toBuilder().setRevision(8).build()));
        assertEquals("etcdserver: mvcc: required revision is a future revision", e.getMessage());
        assertEquals(StatusCode.OUT_OF_RANGE, e.code());
        assertEquals(1, kv.range(get("a").toBuilder().setRevision(7).build()).getCount());
    }

    @Test
    void aRevisionBelowTheCompactionPointIsCompacted() {
        kv.compact(io.flotilla.kv.service.internal.proto.etcd.CompactionRequest.newBuilder().setRevision(5).build());
        KvException e = assertThrows(KvException.class, () -> kv.range(get("a").toBuilder().setRevision(4).build()));
        assertEquals("etcdserver: mvcc: required revision has been compacted", e.getMessage());
        assertEquals(StatusCode.OUT_OF_RANGE, e.code());
        assertEquals(List.of("a", "ab", "abc", "b"),
                keys(kv.range(rangeBuilder("a", ZERO).setRevision(5).build()).getKvsList()),
                "the compaction revision itself stays readable");
    }

    @Test
    void anEmptyKeyIsRefused() {
        KvException e = assertThrows(KvException.class, () -> kv.range(RangeRequest.newBuilder().build()));
        assertEquals("etcdserver: key is not provided", e.getMessage());
        assertEquals(StatusCode.INVALID_ARGUMENT, e.code());
    }

    @Test
    void sortingByKeyDescending() {
        RangeResponse r = kv.range(rangeBuilder("a", ZERO).setSortOrder(SortOrder.DESCEND).build());
        assertEquals(List.of("c", "b", "abc", "ab", "a"), keys(r.getKvsList()));
    }

    @Test
    void sortingByAnotherTargetDefaultsToAscending() {
        RangeResponse r = kv.range(rangeBuilder("a", ZERO).setSortTarget(SortTarget.CREATE).build());
        assertEquals(List.of("a", "ab", "abc", "b", "c"), keys(r.getKvsList()));
        RangeResponse byMod = kv.range(rangeBuilder("a", ZERO).setSortTarget(SortTarget.MOD).build());
        assertEquals(List.of("a", "abc", "b", "c", "ab"), keys(byMod.getKvsList()));
    }

    @Test
    void sortingByValueAndVersionDescending() {
        RangeResponse byValue = kv.range(rangeBuilder("a", ZERO).setSortTarget(SortTarget.VALUE)
                .setSortOrder(SortOrder.DESCEND).build());
        assertEquals(List.of("5", "4", "3", "2", "1b"), values(byValue.getKvsList()));
        RangeResponse byVersion = kv.range(rangeBuilder("a", ZERO).setSortTarget(SortTarget.VERSION)
                .setSortOrder(SortOrder.DESCEND).build());
        assertEquals("ab", keys(byVersion.getKvsList()).get(0));
        assertEquals(List.of("a", "abc", "b", "c"), keys(byVersion.getKvsList()).subList(1, 5),
                "ties keep key order");
    }

    @Test
    void sortingHappensBeforeTheLimit() {
        RangeResponse r = kv.range(rangeBuilder("a", ZERO).setSortOrder(SortOrder.DESCEND).setLimit(2).build());
        assertEquals(List.of("c", "b"), keys(r.getKvsList()));
        assertTrue(r.getMore());
    }

    @Test
    void modAndCreateRevisionFiltersApplyButCountIgnoresThem() {
        RangeResponse r = kv.range(rangeBuilder("a", ZERO).setMinModRevision(4).setMaxModRevision(6).build());
        assertEquals(List.of("abc", "b", "c"), keys(r.getKvsList()));
        assertEquals(5, r.getCount());
        RangeResponse created = kv.range(rangeBuilder("a", ZERO).setMaxCreateRevision(3).build());
        assertEquals(List.of("a", "ab"), keys(created.getKvsList()));
    }

    @Test
    void anUnknownSortOptionIsRefused() {
        RangeRequest bad = rangeBuilder("a", ZERO).setSortOrderValue(7).build();
        KvException e = assertThrows(KvException.class, () -> kv.range(bad));
        assertEquals("etcdserver: invalid sort option", e.getMessage());
    }

    @Test
    void binaryKeysAreHandled() {
        ByteString key = ByteString.copyFrom(new byte[] {(byte) 0x80, 0, 1});
        kv.put(io.flotilla.kv.service.internal.proto.etcd.PutRequest.newBuilder().setKey(key).setValue(bs("x"))
                .build());
        assertEquals(1, kv.range(RangeRequest.newBuilder().setKey(key).build()).getCount());
    }
}
