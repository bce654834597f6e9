package io.flotilla.raft.testkit.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A history of simulation size must check comfortably. No wall-clock assertion (that would be flaky on a busy build
 * machine): the generous timeout turns a pathological slowdown into a TIMED_OUT failure instead.
 */
class PerformanceTest {

    @Test
    void twoThousandOperationsOverEightKeysAndEightClients() {
        List<Operation<KvInput, KvOutput>> history = KvSimulation.generate(new Random(42), 8, 250, 8, 0.01, 20);
        assertEquals(2000, history.size());
        CheckResult result = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(30));
        assertEquals(Verdict.OK, result.verdict(), result::toString);
    }

    @Test
    void aSingleHotKeyWithTimeouts() {
        // Worst case for partitioning: everything on one key, with some operations of unknown outcome.
        List<Operation<KvInput, KvOutput>> history = KvSimulation.generate(new Random(7), 8, 250, 1, 0.01, 20);
        CheckResult result = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(30));
        assertEquals(Verdict.OK, result.verdict(), result::toString);
    }
}
