package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.bs;
import static io.flotilla.kv.service.mvcc.Requests.createIs;
import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.modIs;
import static io.flotilla.kv.service.mvcc.Requests.op;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.range;
import static io.flotilla.kv.service.mvcc.Requests.str;
import static io.flotilla.kv.service.mvcc.Requests.valueIs;
import static io.flotilla.kv.service.mvcc.Requests.versionIs;
import static io.flotilla.kv.service.mvcc.WriteRulesTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.Compare.CompareResult;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.etcd.TxnResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Txn: compares, branches, one revision for all writes, nesting, and the request checks. */
class TxnTest {

    private final KvStore kv = TestStores.kv();

    @BeforeEach
    void fill() {
        kv.put(put("a", "1"));   // rev 2
        kv.put(put("a", "2"));   // rev 3: a has version 2, create 2, mod 3
        kv.put(put("b", "x"));   // rev 4
    }

    @Test
    void versionComparesUseEveryOperator() {
        assertTrue(holds(versionIs("a", CompareResult.EQUAL, 2)));
        assertFalse(holds(versionIs("a", CompareResult.EQUAL, 1)));
        assertTrue(holds(versionIs("a", CompareResult.GREATER, 1)));
        assertFalse(holds(versionIs("a", CompareResult.GREATER, 2)));
        assertTrue(holds(versionIs("a", CompareResult.LESS, 3)));
        assertFalse(holds(versionIs("a", CompareResult.LESS, 2)));
        assertTrue(holds(versionIs("a", CompareResult.NOT_EQUAL, 5)));
        assertFalse(holds(versionIs("a", CompareResult.NOT_EQUAL, 2)));
    }

    @Test
    void createModAndValueCompares() {
        assertTrue(holds(createIs("a", CompareResult.EQUAL, 2)));
        assertTrue(holds(modIs("a", CompareResult.EQUAL, 3)));
        assertTrue(holds(modIs("a", CompareResult.LESS, 4)));
        assertTrue(holds(valueIs("a", CompareResult.EQUAL, "2")));
        assertTrue(holds(valueIs("a", CompareResult.GREATER, "1")));
        assertTrue(holds(valueIs("a", CompareResult.LESS, "3")));
        assertTrue(holds(valueIs("a", CompareResult.NOT_EQUAL, "1")));
        assertFalse(holds(valueIs("a", CompareResult.EQUAL, "1")));
    }

    @Test
    void aMissingKeyHasVersionAndRevisionsZeroButNoValue() {
        assertTrue(holds(versionIs("missing", CompareResult.EQUAL, 0)));
        assertTrue(holds(createIs("missing", CompareResult.EQUAL, 0)));
        assertFalse(holds(valueIs("missing", CompareResult.EQUAL, "")),
                "a value compare on a missing key always fails");
        assertFalse(holds(valueIs("missing", CompareResult.NOT_EQUAL, "x")));
    }

    @Test
    void aRangeCompareMustHoldForEveryKey() {
        Compare allAboveOne = versionIs("a", CompareResult.GREATER, 0).toBuilder().setRangeEnd(bs("c")).build();
        assertTrue(holds(allAboveOne));
        Compare allAtTwo = versionIs("a", CompareResult.EQUAL, 2).toBuilder().setRangeEnd(bs("c")).build();
        assertFalse(holds(allAtTwo), "b is at version 1");
    }

    @Test
    void allComparesMustHold() {
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
                .addCompare(versionIs("a", CompareResult.EQUAL, 2))
                .addCompare(valueIs("b", CompareResult.EQUAL, "nope"))
                .addSuccess(op(put("s", "1"))).addFailure(op(put("f", "1"))).build());
        assertFalse(r.getSucceeded());
        assertEquals(1, kv.range(get("f")).getCount());
        assertEquals(0, kv.range(get("s")).getCount());
    }

    @Test
    void allWritesOfATxnShareOneRevision() {
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(put("c", "1"))).addSuccess(op(put("d", "1"))).addSuccess(op(delete("b"))).build());
        assertTrue(r.getSucceeded());
        assertEquals(5, r.getHeader().getRevision());
        assertEquals(5, kv.mvcc().revision());
        assertEquals(5, kv.range(get("c")).getKvs(0).getModRevision());
        assertEquals(5, kv.range(get("d")).getKvs(0).getModRevision());
        assertEquals(0, kv.range(get("b")).getCount());
        assertEquals(1, kv.range(get("b").toBuilder().setRevision(4).build()).getCount());
    }

    @Test
    void readsInsideATxnSeeItsEarlierWrites() {
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(get("c")))
                .addSuccess(op(put("c", "new")))
                .addSuccess(op(get("c"))).build());
        assertEquals(0, r.getResponses(0).getResponseRange().getCount());
        assertEquals(4, r.getResponses(0).getResponseRange().getHeader().getRevision());
        assertEquals("new", str(r.getResponses(2).getResponseRange().getKvs(0).getValue()));
        assertEquals(5, r.getResponses(2).getResponseRange().getHeader().getRevision());
        assertEquals(5, r.getResponses(1).getResponsePut().getHeader().getRevision());
    }

    @Test
    void aTxnThatWritesNothingKeepsTheRevision() {
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(get("a"))).addSuccess(op(delete("missing"))).build());
        assertEquals(4, r.getHeader().getRevision());
        assertEquals(4, kv.mvcc().revision());
        assertTrue(KvStore.isReadOnly(TxnRequest.newBuilder().addSuccess(op(get("a"))).build()));
        assertFalse(KvStore.isReadOnly(TxnRequest.newBuilder().addFailure(op(delete("a"))).build()));
    }

    @Test
    void nestedTxnsChooseTheirBranchFromTheStateBeforeTheOuterTxn() {
        TxnRequest inner = TxnRequest.newBuilder()
                .addCompare(versionIs("n", CompareResult.EQUAL, 0))
                .addSuccess(op(put("inner", "saw-n-missing")))
                .addFailure(op(put("inner", "saw-n"))).build();
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(put("n", "1")))
                .addSuccess(op(inner)).build());
        assertTrue(r.getResponses(1).getResponseTxn().getSucceeded());
        assertEquals("saw-n-missing", str(kv.range(get("inner")).getKvs(0).getValue()));
        assertEquals(5, kv.range(get("inner")).getKvs(0).getModRevision());
    }

    @Test
    void writingAKeyTwiceIsADuplicate() {
        assertRefused(KvError.DUPLICATE_KEY, () -> kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(put("k", "1"))).addSuccess(op(put("k", "2"))).build()));
        assertRefused(KvError.DUPLICATE_KEY, () -> kv.txn(TxnRequest.newBuilder()
                .addFailure(op(delete("a", "c"))).addFailure(op(put("b", "2"))).build()));
        assertRefused(KvError.DUPLICATE_KEY, () -> kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(put("k", "1")))
                .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(put("k", "2"))).build())).build()));
        assertRefused(KvError.DUPLICATE_KEY, () -> kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(put("b", "1")))
                .addSuccess(op(TxnRequest.newBuilder().addFailure(op(delete("a", "c"))).build())).build()));
        assertEquals("etcdserver: duplicate key given in txn request", KvError.DUPLICATE_KEY.message());
        assertEquals(4, kv.mvcc().revision());
    }

    @Test
    void whatIsNotADuplicate() {
        kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(delete("a", "c"))).addSuccess(op(delete("b"))).build());
        kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(put("k", "1"))).addFailure(op(put("k", "2"))).build());
        kv.txn(TxnRequest.newBuilder().addSuccess(op(TxnRequest.newBuilder()
                .addSuccess(op(put("j", "1"))).addFailure(op(put("j", "2"))).build())).build());
        kv.txn(TxnRequest.newBuilder().addSuccess(op(get("k"))).addSuccess(op(put("k", "3"))).build());
        assertEquals("3", str(kv.range(get("k")).getKvs(0).getValue()));
    }

    @Test
    void moreThan128OperationsAreRefused() {
        TxnRequest.Builder ok = TxnRequest.newBuilder();
        TxnRequest.Builder tooMany = TxnRequest.newBuilder();
        for (int i = 0; i < 128; i++) {
            ok.addSuccess(op(put("k" + i, "v")));
            tooMany.addSuccess(op(put("k" + i, "v")));
        }
        tooMany.addSuccess(op(put("k128", "v")));
        assertRefused(KvError.TOO_MANY_OPS, () -> kv.txn(tooMany.build()));
        assertEquals("etcdserver: too many operations in txn request", KvError.TOO_MANY_OPS.message());
        assertEquals(128, kv.txn(ok.build()).getResponsesCount());
        TxnRequest.Builder compares = TxnRequest.newBuilder();
        for (int i = 0; i < 129; i++) {
            compares.addCompare(versionIs("a", CompareResult.GREATER, 0));
        }
        assertRefused(KvError.TOO_MANY_OPS, () -> kv.txn(compares.build()));
    }

    @Test
    void nestedOperationsCountAgainstWhatIsLeftOfTheLimit() {
        TxnRequest.Builder inner = TxnRequest.newBuilder();
        for (int i = 0; i < 64; i++) {
            inner.addSuccess(op(get("a")));
        }
        TxnRequest.Builder outer = TxnRequest.newBuilder();
        for (int i = 0; i < 64; i++) {
            outer.addSuccess(op(get("a")));
        }
        outer.addSuccess(op(inner.build()));
        assertRefused(KvError.TOO_MANY_OPS, () -> kv.txn(outer.build()));
    }

    @Test
    void nestedRequestsAreCheckedToo() {
        assertRefused(KvError.EMPTY_KEY, () -> kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(range("", ""))).build()));
        assertRefused(KvError.EMPTY_KEY, () -> kv.txn(TxnRequest.newBuilder()
                .addCompare(versionIs("", CompareResult.EQUAL, 0)).build()));
        assertRefused(KvError.KEY_NOT_FOUND, () -> kv.txn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.getDefaultInstance()).build()));
    }

    @Test
    void aFailingOperationLeavesTheStoreUntouched() {
        assertRefused(KvError.LEASE_NOT_FOUND, () -> kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(put("c", "1")))
                .addSuccess(op(put("d", "1").toBuilder().setLease(3).build())).build()));
        assertRefused(KvError.FUTURE_REVISION, () -> kv.txn(TxnRequest.newBuilder()
                .addSuccess(op(put("c", "1")))
                .addSuccess(op(get("a").toBuilder().setRevision(99).build())).build()));
        assertEquals(4, kv.mvcc().revision());
        assertEquals(0, kv.range(get("c")).getCount());
    }

    @Test
    void onlyTheChosenBranchIsCheckedAgainstTheStore() {
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
                .addCompare(versionIs("a", CompareResult.EQUAL, 2))
                .addSuccess(op(put("c", "1")))
                .addFailure(op(put("d", "1").toBuilder().setLease(3).build())).build());
        assertTrue(r.getSucceeded());
    }

    private boolean holds(Compare c) {
        return kv.txn(TxnRequest.newBuilder().addCompare(c).build()).getSucceeded();
    }
}
