package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.op;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.range;
import static io.flotilla.kv.service.mvcc.Requests.rangeBuilder;
import static io.flotilla.kv.service.mvcc.Requests.str;
import static io.flotilla.kv.service.mvcc.Requests.valueIs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.Compare.CompareResult;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MvccView}: the consistent views that reads off the apply thread use. A view holds exactly what was flushed
 * when it was opened, whatever is applied, flushed or compacted later, and answers ranges and read-only transactions
 * exactly as the store does at its revision.
 */
class MvccViewTest {

    @TempDir
    Path dir;

    @Test
    void aViewHoldsWhatWasFlushedWhenItOpenedAndNothingLater() {
        MvccStore store = TestStores.open("rocksdb", dir);
        KvStore kv = new KvStore(store);
        kv.put(put("x", "1"));
        store.flush();
        kv.put(put("x", "2")); // applied, in the group, not flushed
        try (MvccView before = store.openView()) {
            assertEquals(2, before.revision(), "the view's revision is the flushed one");
            assertEquals("1", value(before, "x"));
            store.flush();
            kv.put(put("y", "later"));
            store.flush();
            assertEquals("1", value(before, "x"), "later flushes do not show through an open view");
            assertEquals(0, KvStore.range(before, get("y")).getCount());
            try (MvccView after = store.openView()) {
                assertEquals(4, after.revision());
                assertEquals("2", value(after, "x"));
                assertEquals("later", value(after, "y"));
            }
        } finally {
            store.close();
        }
    }

    @Test
    void aViewIsAPointInTimeAcrossACompactionWhileNewViewsRefuseTheCompactedRevisions() {
        MvccStore store = TestStores.open("rocksdb", dir);
        KvStore kv = new KvStore(store);
        try {
            kv.put(put("x", "1")); // revision 2
            kv.put(put("x", "2")); // revision 3
            store.flush();
            try (MvccView before = store.openView()) {
                kv.put(put("x", "3")); // revision 4
                kv.compact(CompactionRequest.newBuilder().setRevision(4).build());
                try (MvccView after = store.openView()) {
                    assertEquals(4, after.compactRevision());
                    assertEquals(4, after.heldCompactRevision());
                    assertThrows(KvException.class, () -> KvStore.range(after,
                            get("x").toBuilder().setRevision(3).build()), "compacted, as on the store");
                    assertEquals("3", value(after, "x"));
                }
                // Opened before the compaction: it answers as the store did then, history included (the backend
                // snapshot keeps what the background compaction removes).
                assertEquals(3, before.revision());
                assertEquals(0, before.compactRevision());
                assertEquals("2", value(before, "x"));
                assertEquals("1", str(KvStore.range(before, get("x").toBuilder().setRevision(2).build())
                        .getKvs(0).getValue()));
            }
        } finally {
            store.close();
        }
    }

    @Test
    void aViewAnswersRangesAndReadOnlyTxnsExactlyAsTheStoreDoesAtItsRevision() {
        MvccStore store = TestStores.open("rocksdb", dir);
        KvStore kv = new KvStore(store);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 2_000; i++) {
            String key = "k" + random.nextInt(50);
            if (random.nextInt(10) == 0) {
                kv.deleteRange(delete(key));
            } else {
                kv.put(put(key, "v" + i));
            }
        }
        kv.compact(CompactionRequest.newBuilder().setRevision(store.revision() - 500).build());
        store.flush();
        try (MvccView view = store.openView()) {
            for (int i = 0; i < 300; i++) {
                String from = "k" + random.nextInt(50);
                RangeRequest.Builder r = rangeBuilder(from, random.nextBoolean() ? from + "\0" : "k9")
                        .setLimit(random.nextInt(4));
                long revision = random.nextInt(3) == 0 ? store.revision() - random.nextInt(800) : 0;
                r.setRevision(revision);
                if (revision != 0 && revision < store.compactRevision()) {
                    assertThrows(KvException.class, () -> KvStore.range(view, r.build()));
                    assertThrows(KvException.class, () -> kv.range(r.build()));
                    continue;
                }
                assertEquals(kv.range(r.build()), KvStore.range(view, r.build()), "range " + r);
                TxnRequest txn = TxnRequest.newBuilder()
                        .addCompare(valueIs(from, CompareResult.GREATER, "v1000"))
                        .addSuccess(op(r.build()))
                        .addFailure(op(range("k1", "k3")))
                        .addFailure(op(TxnRequest.newBuilder().addSuccess(op(get(from))).build()))
                        .build();
                assertEquals(kv.txn(txn), KvStore.readOnlyTxn(view, txn), "txn " + txn);
            }
        } finally {
            store.close();
        }
    }

    @Test
    void readersOnOtherThreadsSeeOneWholeFlushedStateWhileApplyingGoesOn() throws Exception {
        MvccStore store = TestStores.open("rocksdb", dir);
        KvStore kv = new KvStore(store);
        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            // Every write sets all ten keys to the same value in one transaction: a reader that saw two values in
            // one range would have seen half of a write.
            Future<?>[] running = new Future<?>[2];
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            for (int t = 0; t < running.length; t++) {
                running[t] = readers.submit(() -> {
                    while (!done.get()) {
                        try (MvccView view = store.openView()) {
                            var kvs = KvStore.range(view, range("a", "b")).getKvsList();
                            long distinct = kvs.stream().map(kv1 -> kv1.getValue()).distinct().count();
                            assertEquals(kvs.isEmpty() ? 0 : 1, distinct, "a range mixed two writes: " + kvs);
                            kvs.forEach(kv1 -> assertEquals(view.revision(), kv1.getModRevision(),
                                    "the record is newer or older than the view's revision"));
                        }
                    }
                    return null;
                });
            }
            for (int i = 0; i < 300; i++) {
                TxnRequest.Builder write = TxnRequest.newBuilder();
                for (int k = 0; k < 10; k++) {
                    write.addSuccess(op(put("a" + k, "w" + i)));
                }
                kv.txn(write.build());
                if (i % 3 == 0) {
                    store.flush();
                }
            }
            done.set(true);
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            readers.shutdownNow();
            store.close();
        }
    }

    private static String value(MvccView view, String key) {
        return str(KvStore.range(view, get(key)).getKvs(0).getValue());
    }
}
