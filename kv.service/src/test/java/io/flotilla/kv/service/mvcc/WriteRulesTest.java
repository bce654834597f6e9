package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.bs;
import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.keys;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.range;
import static io.flotilla.kv.service.mvcc.Requests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Put options, DeleteRange and Append. */
class WriteRulesTest {

    private final KvStore kv = TestStores.kv();

    @Test
    void anEmptyKeyIsRefusedByEveryWrite() {
        assertRefused(KvError.EMPTY_KEY, () -> kv.put(PutRequest.newBuilder().setValue(bs("v")).build()));
        assertRefused(KvError.EMPTY_KEY, () -> kv.deleteRange(DeleteRangeRequest.getDefaultInstance()));
        assertRefused(KvError.EMPTY_KEY, () -> kv.append(AppendRequest.newBuilder().setValue(bs("v")).build()));
        assertEquals(1, kv.mvcc().revision(), "nothing was written");
    }

    @Test
    void ignoreValueKeepsTheValueAndBumpsTheVersion() {
        kv.put(put("a", "1"));
        kv.put(PutRequest.newBuilder().setKey(bs("a")).setIgnoreValue(true).build());
        var a = kv.range(get("a")).getKvs(0);
        assertEquals("1", str(a.getValue()));
        assertEquals(2, a.getVersion());
    }

    @Test
    void ignoreValueOnAMissingKeyOrWithAValueIsRefused() {
        assertRefused(KvError.KEY_NOT_FOUND,
                () -> kv.put(PutRequest.newBuilder().setKey(bs("a")).setIgnoreValue(true).build()));
        assertRefused(KvError.VALUE_PROVIDED,
                () -> kv.put(put("a", "x").toBuilder().setIgnoreValue(true).build()));
        assertRefused(KvError.KEY_NOT_FOUND,
                () -> kv.put(put("a", "x").toBuilder().setIgnoreLease(true).build()));
        assertRefused(KvError.LEASE_PROVIDED,
                () -> kv.put(put("a", "x").toBuilder().setIgnoreLease(true).setLease(5).build()));
        assertEquals(1, kv.mvcc().revision());
    }

    @Test
    void aLeaseIsUnknownBecauseThisServerGrantsNone() {
        KvException e = assertThrows(KvException.class, () -> kv.put(put("a", "x").toBuilder().setLease(7).build()));
        assertEquals("etcdserver: requested lease not found", e.getMessage());
        assertEquals(StatusCode.NOT_FOUND, e.code());
    }

    @Test
    void deleteRangeCountsAndReturnsWhatItDeleted() {
        kv.put(put("a", "1"));
        kv.put(put("ab", "2"));
        kv.put(put("b", "3"));
        var response = kv.deleteRange(delete("a", "b").toBuilder().setPrevKv(true).build());
        assertEquals(2, response.getDeleted());
        assertEquals(List.of("a", "ab"), keys(response.getPrevKvsList()));
        assertEquals(5, response.getHeader().getRevision(), "one revision for the whole range");
        assertEquals(List.of("b"), keys(kv.range(range("a", "\0")).getKvsList()));
    }

    @Test
    void deleteRangeWithoutPrevKvReturnsOnlyTheCount() {
        kv.put(put("a", "1"));
        var response = kv.deleteRange(delete("a"));
        assertEquals(1, response.getDeleted());
        assertEquals(0, response.getPrevKvsCount());
    }

    @Test
    void deletingAnAlreadyDeletedKeyDeletesNothing() {
        kv.put(put("a", "1"));
        kv.deleteRange(delete("a"));
        assertEquals(0, kv.deleteRange(delete("a")).getDeleted());
        assertEquals(3, kv.mvcc().revision());
    }

    @Test
    void appendConcatenatesAndCreatesMissingKeys() {
        var first = kv.append(AppendRequest.newBuilder().setKey(bs("log")).setValue(bs("x")).build());
        assertEquals("x", str(first.getKv().getValue()));
        assertEquals(1, first.getKv().getVersion());
        assertEquals(2, first.getHeader().getRevision());
        var second = kv.append(AppendRequest.newBuilder().setKey(bs("log")).setValue(bs("yz")).build());
        assertEquals("xyz", str(second.getKv().getValue()));
        assertEquals(2, second.getKv().getVersion());
        assertEquals(3, second.getKv().getModRevision());
        assertEquals(2, second.getKv().getCreateRevision());
    }

    static void assertRefused(KvError expected, Runnable request) {
        KvException e = assertThrows(KvException.class, request::run);
        assertEquals(expected.message(), e.getMessage());
        assertEquals(expected.code(), e.code());
    }
}
