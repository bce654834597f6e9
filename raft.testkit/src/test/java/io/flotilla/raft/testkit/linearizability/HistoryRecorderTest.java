package io.flotilla.raft.testkit.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

    @Test
    void recordsCompletedUnknownAndOpenOperationsInInvocationOrder() {
        HistoryRecorder<KvInput, KvOutput> recorder = new HistoryRecorder<>();
        long put = recorder.invoke(0, KvInput.put("k", "v"), 1);
        long get = recorder.invoke(1, KvInput.get("k"), 2);
        long timedOut = recorder.invoke(2, KvInput.append("k", "w"), 3);
        recorder.invoke(3, KvInput.put("k", "crash"), 4); // never completed: its client crashed
        recorder.complete(get, KvOutput.value("v"), 6);
        recorder.complete(put, KvOutput.ok(), 5);
        recorder.completeUnknown(timedOut);

        assertEquals(List.of(
                new Operation<>(0, KvInput.put("k", "v"), 1, 5, KvOutput.ok()),
                new Operation<>(1, KvInput.get("k"), 2, 6, KvOutput.value("v")),
                Operation.unknown(2, KvInput.append("k", "w"), 3),
                Operation.unknown(3, KvInput.put("k", "crash"), 4)), recorder.history());
    }

    @Test
    void rejectsMisuse() {
        HistoryRecorder<String, String> recorder = new HistoryRecorder<>();
        long h = recorder.invoke(0, "in", 10);
        assertThrows(IllegalArgumentException.class, () -> recorder.complete(h, "out", 9));
        assertThrows(IllegalArgumentException.class, () -> recorder.complete(h + 1, "out", 11));
        recorder.complete(h, "out", 11);
        assertThrows(IllegalStateException.class, () -> recorder.complete(h, "out", 12));
        assertThrows(IllegalStateException.class, () -> recorder.completeUnknown(h));
    }

    @Test
    void recordsFromManyThreadsAgainstAnAtomicStore() throws InterruptedException {
        // A really concurrent run: a synchronized map is linearizable, so the recorded history must check OK.
        HistoryRecorder<KvInput, KvOutput> recorder = new HistoryRecorder<>();
        Map<String, String> store = new HashMap<>();
        AtomicLong clock = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int client = c;
            threads.add(new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int n = 0; n < 200; n++) {
                    String key = "k" + rnd.nextInt(3);
                    KvInput input = rnd.nextBoolean() ? KvInput.get(key) : KvInput.append(key, client + "." + n + ";");
                    long handle = recorder.invoke(client, input, clock.incrementAndGet());
                    KvOutput output;
                    synchronized (store) {
                        String current = store.getOrDefault(key, "");
                        if (input instanceof KvInput.Append a) {
                            store.put(key, current + a.value());
                            output = KvOutput.ok();
                        } else {
                            output = KvOutput.value(current);
                        }
                    }
                    recorder.complete(handle, output, clock.incrementAndGet());
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        List<Operation<KvInput, KvOutput>> history = recorder.history();
        assertEquals(1600, history.size());
        CheckResult result = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(30));
        assertTrue(result.isOk(), result::toString);
    }
}
