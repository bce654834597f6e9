package io.flotilla.raft.testkit.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Checks the checker against histories that are linearizable by construction ({@link KvSimulation}), and against
 * the same histories with one read changed to a value nothing wrote.
 *
 * <p>Seeds: {@code -Dflotilla.sim.seeds=N} runs N seeds (default 300); {@code -Dflotilla.sim.seed=S} runs only seed S,
 * to replay a failure.
 */
class RandomizedHistoryTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static LongStream seeds() {
        String one = System.getProperty("flotilla.sim.seed", "");
        if (!one.isBlank()) {
            return LongStream.of(Long.parseLong(one.trim()));
        }
        String count = System.getProperty("flotilla.sim.seeds", "");
        return LongStream.range(0, count.isBlank() ? 300 : Long.parseLong(count.trim()));
    }

    private static List<Operation<KvInput, KvOutput>> history(long seed) {
        Random rnd = new Random(seed);
        // Few keys and clients for a single register most of the time, so operations on a key overlap a lot.
        int keys = seed % 3 == 0 ? 1 : 1 + rnd.nextInt(3);
        return KvSimulation.generate(rnd, 2 + rnd.nextInt(5), 5 + rnd.nextInt(20), keys, 0.1, 4);
    }

    @Test
    void executionsLinearizableByConstructionAreAccepted() {
        seeds().forEach(seed -> {
            CheckResult result = LinearizabilityChecker.check(new KvModel(), history(seed), TIMEOUT);
            assertEquals(Verdict.OK, result.verdict(), () -> "seed " + seed + ": " + result);
        });
    }

    @Test
    void aReadOfAValueNeverWrittenIsRejected() {
        seeds().forEach(seed -> {
            List<Operation<KvInput, KvOutput>> ops = new ArrayList<>(history(seed));
            int[] reads = IntStream.range(0, ops.size())
                    .filter(i -> ops.get(i).input() instanceof KvInput.Get && !ops.get(i).isUnknown())
                    .toArray();
            if (reads.length == 0) {
                return;
            }
            int victim = reads[new Random(seed).nextInt(reads.length)];
            Operation<KvInput, KvOutput> read = ops.get(victim);
            ops.set(victim, new Operation<>(read.clientId(), read.input(), read.callTime(), read.returnTime(),
                    KvOutput.value(KvSimulation.NEVER_WRITTEN)));
            CheckResult result = LinearizabilityChecker.check(new KvModel(), ops, TIMEOUT);
            assertEquals(Verdict.ILLEGAL, result.verdict(), () -> "seed " + seed + ": " + result);
        });
    }
}
