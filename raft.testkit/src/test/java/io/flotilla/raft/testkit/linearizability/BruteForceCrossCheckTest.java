package io.flotilla.raft.testkit.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Compares the checker, with its memo and pruning, against the definition itself on many tiny random histories: try
 * every order of the operations (each unknown-outcome one included or not) that respects real time, and see whether
 * the model accepts one. The random outputs make about half of the histories illegal.
 */
class BruteForceCrossCheckTest {

    private static final KvModel MODEL = new KvModel();
    private static final String[] VALUES = {"", "a", "b", "ab", "ba"};

    @Test
    void agreesWithExhaustiveSearchOnTinyHistories() {
        Random rnd = new Random(2024);
        int illegal = 0;
        for (int round = 0; round < 20_000; round++) {
            List<Operation<KvInput, KvOutput>> ops = randomHistory(rnd);
            boolean expected = bruteForce(ops, new boolean[ops.size()], MODEL.initialState());
            CheckResult result = LinearizabilityChecker.check(MODEL, ops, Duration.ofSeconds(30));
            assertEquals(expected ? Verdict.OK : Verdict.ILLEGAL, result.verdict(), () -> ops + "\n" + result);
            illegal += expected ? 0 : 1;
        }
        int illegalCount = illegal;
        assertTrue(illegal > 2_000 && illegal < 18_000, () -> "poor mix of verdicts: " + illegalCount);
    }

    private static List<Operation<KvInput, KvOutput>> randomHistory(Random rnd) {
        List<Operation<KvInput, KvOutput>> ops = new ArrayList<>();
        int n = 1 + rnd.nextInt(7);
        for (int i = 0; i < n; i++) {
            long call = rnd.nextInt(12);
            long ret = call + rnd.nextInt(6);
            String v = rnd.nextBoolean() ? "a" : "b";
            KvInput input;
            KvOutput output;
            switch (rnd.nextInt(4)) {
                case 0 -> {
                    input = KvInput.get("k");
                    output = KvOutput.value(VALUES[rnd.nextInt(VALUES.length)]);
                }
                case 1 -> {
                    input = KvInput.put("k", v);
                    output = KvOutput.ok();
                }
                case 2 -> {
                    input = KvInput.append("k", v);
                    output = KvOutput.ok();
                }
                default -> {
                    input = KvInput.cas("k", VALUES[rnd.nextInt(VALUES.length)], v);
                    output = KvOutput.casResult(rnd.nextBoolean());
                }
            }
            ops.add(rnd.nextInt(6) == 0
                    ? Operation.unknown(i, input, call)
                    : new Operation<>(i, input, call, ret, output));
        }
        return ops;
    }

    /** Straight from the definition: some real-time-respecting order of the remaining operations is legal. */
    private static boolean bruteForce(List<Operation<KvInput, KvOutput>> ops, boolean[] placed, String state) {
        boolean allCompletedPlaced = true;
        for (int i = 0; i < ops.size(); i++) {
            allCompletedPlaced &= placed[i] || ops.get(i).isUnknown();
        }
        if (allCompletedPlaced) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !mayGoNext(ops, placed, i)) {
                continue;
            }
            Operation<KvInput, KvOutput> op = ops.get(i);
            StepResult<String> step = MODEL.step(state, op.input(), op.output());
            if (step.isLegal()) {
                placed[i] = true;
                boolean ok = bruteForce(ops, placed, step.nextState());
                placed[i] = false;
                if (ok) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Operation i may be next unless an unplaced operation returned strictly before i was called. */
    private static boolean mayGoNext(List<Operation<KvInput, KvOutput>> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (!placed[j] && j != i && ops.get(j).returnTime() < ops.get(i).callTime()) {
                return false;
            }
        }
        return true;
    }
}
