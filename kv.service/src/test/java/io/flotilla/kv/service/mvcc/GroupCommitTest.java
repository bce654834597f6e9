package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.get;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.rangeBuilder;
import static io.flotilla.kv.service.mvcc.Requests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.flotilla.kv.backend.Backend;
import org.junit.jupiter.api.Test;

/**
 * The changes of many commands reach the backend in one atomic batch (the group), as etcd's batch transaction: until
 * the group is written, reads see every applied change and the backend holds none of them, nor their applied index,
 * so the backend is always a prefix of the log; and a group never grows past its bound.
 */
class GroupCommitTest {

    @Test
    void theBackendGetsAGroupsChangesAndItsIndexTogetherWhileReadsSeeThemAtOnce() {
        try (MvccStore store = TestStores.memory()) {
            KvStore kv = new KvStore(store);
            Backend backend = store.backend();
            apply(store, 1, () -> kv.put(put("a", "1")));
            apply(store, 2, () -> kv.put(put("b", "2")));
            apply(store, 3, () -> kv.deleteRange(delete("a")));
            apply(store, 4, () -> kv.put(put("b", "3")));

            assertEquals(0, kv.range(get("a")).getCount(), "a read sees the delete before it is written");
            assertEquals("3", str(kv.range(get("b")).getKvs(0).getValue()));
            assertEquals(3, kv.range(get("b")).getKvs(0).getCreateRevision(),
                    "the create revision comes from the group's record");
            assertEquals(2, kv.range(get("b")).getKvs(0).getVersion());
            assertEquals(1, kv.range(rangeBuilder("\0", "\0").build()).getCount());
            assertNull(backend.get(backend.table(MvccLayout.KEYS), "b".getBytes()), "nothing written yet");
            assertEquals(0, MvccLayout.readLong(backend.get(backend.table(MvccLayout.META), MvccLayout.APPLIED_INDEX)));
            assertEquals(4, store.appliedIndex());

            store.flush();
            assertNotNull(backend.get(backend.table(MvccLayout.KEYS), "b".getBytes()));
            assertNull(backend.get(backend.table(MvccLayout.KEYS), "a".getBytes()));
            assertEquals(4, MvccLayout.readLong(backend.get(backend.table(MvccLayout.META), MvccLayout.APPLIED_INDEX)));
            assertEquals(5, MvccLayout.readLong(backend.get(backend.table(MvccLayout.META), MvccLayout.REVISION)));
        }
    }

    @Test
    void aReadBelowTheCurrentRevisionSeesTheGroupsHistory() {
        try (MvccStore store = TestStores.memory()) {
            KvStore kv = new KvStore(store);
            kv.put(put("k", "old"));
            kv.put(put("k", "new"));
            assertEquals("old", str(kv.range(rangeBuilder("k", "").setRevision(2).build()).getKvs(0).getValue()));
            assertEquals("new", str(kv.range(get("k")).getKvs(0).getValue()));
        }
    }

    @Test
    void aGroupIsWrittenOnceItHoldsItsBoundOfChanges() {
        try (MvccStore store = TestStores.memory()) {
            KvStore kv = new KvStore(store);
            Backend backend = store.backend();
            for (int i = 0; i <= ApplyGroup.MAX_CHANGES; i++) {
                kv.put(put("k" + i, "v"));
            }
            assertNotNull(backend.get(backend.table(MvccLayout.KEYS), ("k" + (ApplyGroup.MAX_CHANGES - 1))
                    .getBytes()), "the full group was written before the next put");
            assertNull(backend.get(backend.table(MvccLayout.KEYS), ("k" + ApplyGroup.MAX_CHANGES).getBytes()));
        }
    }

    private static void apply(MvccStore store, long index, Runnable command) {
        store.beginApply(index);
        command.run();
        store.finishApply();
    }
}
