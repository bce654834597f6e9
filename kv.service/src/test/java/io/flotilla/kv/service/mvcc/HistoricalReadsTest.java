package io.flotilla.kv.service.mvcc;

import static io.flotilla.kv.service.mvcc.Requests.delete;
import static io.flotilla.kv.service.mvcc.Requests.put;
import static io.flotilla.kv.service.mvcc.Requests.rangeBuilder;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reads at past revisions seek in the history table, reads at the current revision go through the key index: two
 * independent paths. Every answer a read gave at the current revision must be given again, identically, by a read at
 * that revision later on — before and after compactions (from the compaction point on), on both backends. Keys
 * include zero bytes and prefixes of each other, which the history table's key escaping must keep in order.
 */
class HistoricalReadsTest {

    private static final String[] KEYS = {"a", "a\u0000", "a\u0000b", "ab", "b", "\u0000", "b\u00ff", "c"};

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb"})
    void everyPastAnswerIsGivenAgainFromHistory(String backend) {
        SplittableRandom random = new SplittableRandom(11);
        try (MvccStore store = TestStores.open(backend, dir)) {
            KvStore kv = new KvStore(store);
            Map<Long, List<String>> seen = new HashMap<>();
            for (int i = 0; i < 600; i++) {
                String key = KEYS[random.nextInt(KEYS.length)];
                if (random.nextInt(4) == 0) {
                    kv.deleteRange(random.nextBoolean() ? delete(key) : delete(key, KEYS[random.nextInt(KEYS.length)]));
                } else {
                    kv.put(put(key, "v" + i));
                }
                seen.put(store.revision(), answers(kv, store.revision()));
                if (i % 150 == 149) {
                    long at = store.compactRevision() + 1 + random.nextInt((int) (store.revision()
                            - store.compactRevision()));
                    kv.compact(CompactionRequest.newBuilder().setRevision(at).build());
                    store.compactor().whenFinished(at).join();
                }
                if (i % 50 == 0) {
                    for (long rev = Math.max(store.compactRevision(), 2); rev <= store.revision(); rev++) {
                        if (seen.containsKey(rev)) {
                            assertEquals(seen.get(rev), answers(kv, rev), "reads at revision " + rev);
                        }
                    }
                }
            }
        }
    }

    private static List<String> answers(KvStore kv, long rev) {
        List<String> out = new ArrayList<>();
        List<RangeRequest> reads = new ArrayList<>(List.of(
                rangeBuilder("\0", "\0").setRevision(rev).build(),
                rangeBuilder("a", "b").setRevision(rev).build(),
                rangeBuilder("a\u0000", "ab").setRevision(rev).setLimit(2).build(),
                rangeBuilder("\0", "\0").setRevision(rev).setCountOnly(true).build()));
        for (String k : KEYS) {
            reads.add(rangeBuilder(k, "").setRevision(rev).build());
        }
        for (RangeRequest r : reads) {
            out.add(kv.range(r).toBuilder().clearHeader().build().toString());
        }
        return out;
    }
}
