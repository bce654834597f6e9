package io.flotilla.raft.testkit.linearizability;

import static io.flotilla.raft.testkit.linearizability.KvInput.append;
import static io.flotilla.raft.testkit.linearizability.KvInput.cas;
import static io.flotilla.raft.testkit.linearizability.KvInput.get;
import static io.flotilla.raft.testkit.linearizability.KvInput.put;
import static io.flotilla.raft.testkit.linearizability.KvOutput.casResult;
import static io.flotilla.raft.testkit.linearizability.KvOutput.ok;
import static io.flotilla.raft.testkit.linearizability.KvOutput.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LinearizabilityCheckerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static Operation<KvInput, KvOutput> op(int client, KvInput in, long call, long ret, KvOutput out) {
        return new Operation<>(client, in, call, ret, out);
    }

    private static Operation<KvInput, KvOutput> unknown(int client, KvInput in, long call) {
        return Operation.unknown(client, in, call);
    }

    @SafeVarargs
    @SuppressWarnings("varargs") // the array only reaches List.of, which copies it
    private static CheckResult check(Operation<KvInput, KvOutput>... ops) {
        return LinearizabilityChecker.check(new KvModel(), List.of(ops), TIMEOUT);
    }

    private static void assertOk(CheckResult result) {
        assertEquals(Verdict.OK, result.verdict(), result::toString);
    }

    /** Asserts ILLEGAL, and that the explanation names the operation that cannot be placed. */
    private static void assertIllegal(CheckResult result, Operation<?, ?> offending) {
        assertEquals(Verdict.ILLEGAL, result.verdict(), result::toString);
        assertTrue(result.explanation().contains(offending.toString()),
                () -> "explanation should mention " + offending + ":\n" + result.explanation());
        assertTrue(result.unplaceable().contains(offending), result::toString);
    }

    // ---- accepted histories ----

    @Test
    void emptyHistoryIsLinearizable() {
        assertOk(check());
    }

    @Test
    void acceptsSequentialHistory() {
        assertOk(check(
                op(0, get("x"), 0, 1, value("")),
                op(0, put("x", "a"), 2, 3, ok()),
                op(1, get("x"), 4, 5, value("a")),
                op(1, append("x", "b"), 6, 7, ok()),
                op(0, get("x"), 8, 9, value("ab")),
                op(1, cas("x", "ab", "c"), 10, 11, casResult(true)),
                op(0, cas("x", "ab", "d"), 12, 13, casResult(false)),
                op(1, get("x"), 14, 15, value("c"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a"})
    void acceptsReadConcurrentWithWriteSeeingEitherValue(String seen) {
        assertOk(check(
                op(0, put("x", "a"), 0, 10, ok()),
                op(1, get("x"), 5, 6, value(seen))));
    }

    @Test
    void touchingIntervalsAreConcurrent() {
        // Closed intervals: the get is called at the very tick the put returns, so it may still precede the put.
        assertOk(check(
                op(0, put("x", "a"), 0, 10, ok()),
                op(1, get("x"), 10, 20, value(""))));
    }

    @Test
    void acceptsHistoryNeedingOrderDifferentFromCallOrder() {
        // Only order: put b, put a, get a, cas a->c, get c — though put a was called first and the greedy first try
        // (put a, put b) dead-ends.
        assertOk(check(
                op(0, put("x", "a"), 0, 100, ok()),
                op(1, put("x", "b"), 10, 20, ok()),
                op(1, get("x"), 30, 40, value("a")),
                op(2, cas("x", "a", "c"), 5, 150, casResult(true)),
                op(1, get("x"), 160, 170, value("c"))));
    }

    @Test
    void acceptsUnknownOperationThatTookEffect() {
        assertOk(check(
                unknown(0, put("x", "a"), 0),
                op(1, get("x"), 10, 20, value("a"))));
    }

    @Test
    void acceptsUnknownOperationThatTookEffectLongAfterItsClientGaveUp() {
        assertOk(check(
                op(0, put("x", "a"), 0, 5, ok()),
                unknown(0, append("x", "b"), 6),
                op(0, get("x"), 30, 40, value("a")),
                op(1, get("x"), 50, 60, value("ab")),
                op(1, get("x"), 70, 80, value("ab"))));
    }

    @Test
    void acceptsUnknownOperationsThatNeverTookEffect() {
        assertOk(check(
                unknown(0, put("x", "b"), 0),
                unknown(1, cas("x", "", "c"), 1),
                unknown(2, get("x"), 2),
                op(3, get("x"), 10, 20, value("")),
                op(3, get("x"), 30, 40, value(""))));
    }

    // ---- rejected histories ----

    @Test
    void rejectsStaleReadAfterCompletedWrite() {
        Operation<KvInput, KvOutput> stale = op(1, get("x"), 20, 30, value(""));
        assertIllegal(check(op(0, put("x", "a"), 0, 10, ok()), stale), stale);
    }

    @Test
    void rejectsReadOfValueNeverWritten() {
        Operation<KvInput, KvOutput> bogus = op(1, get("x"), 5, 30, value("zzz"));
        CheckResult result = check(op(0, put("x", "a"), 0, 10, ok()), bogus);
        assertIllegal(result, bogus);
    }

    @Test
    void rejectsNewOldInversion() {
        // Put 2 is concurrent with both reads, but once a read saw 2, a later read cannot see 1 again.
        Operation<KvInput, KvOutput> old = op(2, get("x"), 40, 50, value("1"));
        assertIllegal(check(
                op(0, put("x", "1"), 0, 5, ok()),
                op(0, put("x", "2"), 10, 100, ok()),
                op(1, get("x"), 20, 30, value("2")),
                old), old);
    }

    @Test
    void rejectsLostAppend() {
        Operation<KvInput, KvOutput> read = op(2, get("x"), 40, 50, value("b"));
        assertIllegal(check(
                op(0, append("x", "a"), 0, 10, ok()),
                op(1, append("x", "b"), 20, 30, ok()),
                read), read);
    }

    @Test
    void rejectsCasSucceedingTwiceForSameExpectedValue() {
        Operation<KvInput, KvOutput> first = op(1, cas("x", "0", "1"), 10, 20, casResult(true));
        Operation<KvInput, KvOutput> second = op(2, cas("x", "0", "2"), 15, 25, casResult(true));
        CheckResult result = check(op(0, put("x", "0"), 0, 5, ok()), first, second);
        assertEquals(Verdict.ILLEGAL, result.verdict(), result::toString);
        // Either CAS can be the one placed; the explanation shows one in the prefix and the other as unplaceable.
        assertTrue(result.explanation().contains(first.toString()), result::toString);
        assertTrue(result.explanation().contains(second.toString()), result::toString);
        assertEquals(2, result.linearizablePrefix().size(), result::toString);
        assertTrue(result.unplaceable().contains(first) || result.unplaceable().contains(second), result::toString);
    }

    @Test
    void explanationShowsPrefixStateAndPartition() {
        Operation<KvInput, KvOutput> stale = op(1, get("y"), 20, 30, value("old"));
        CheckResult result = check(
                op(0, put("x", "a"), 0, 10, ok()),
                op(0, put("y", "old"), 0, 5, ok()),
                op(0, put("y", "new"), 6, 10, ok()),
                stale);
        assertIllegal(result, stale);
        assertTrue(result.explanation().contains("partition 2 of 2"), result::toString);
        assertTrue(result.explanation().contains("From state \"new\""), result::toString);
        assertEquals(List.of(op(0, put("y", "old"), 0, 5, ok()), op(0, put("y", "new"), 6, 10, ok())),
                result.linearizablePrefix());
    }

    @Test
    void rejectsAcrossAnUnknownOperation() {
        // The timed-out put may explain "b", but not a return to "" afterwards.
        Operation<KvInput, KvOutput> back = op(1, get("x"), 30, 40, value(""));
        assertIllegal(check(
                unknown(0, put("x", "b"), 0),
                op(1, get("x"), 10, 20, value("b")),
                back), back);
    }

    // ---- limits and arguments ----

    @Test
    void reportsTimeoutWhenSearchIsTooLarge() {
        // 40 appends all concurrent, then a read nothing can explain: every order gives a different state, so the
        // memo cannot prune and the search is factorial.
        List<Operation<KvInput, KvOutput>> ops = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ops.add(op(i, append("x", i + ";"), 0, 1_000, ok()));
        }
        ops.add(op(99, get("x"), 2_000, 2_001, value("nope")));
        CheckResult result = LinearizabilityChecker.check(new KvModel(), ops, Duration.ofMillis(200));
        assertEquals(Verdict.TIMED_OUT, result.verdict(), result::toString);
        assertFalse(result.isOk());
    }

    @Test
    void illegalPartitionWinsOverTimedOutOne() {
        List<Operation<KvInput, KvOutput>> ops = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ops.add(op(i, append("slow", i + ";"), 0, 1_000, ok()));
        }
        ops.add(op(99, get("slow"), 2_000, 2_001, value("nope")));
        Operation<KvInput, KvOutput> stale = op(1, get("x"), 20, 30, value(""));
        ops.add(op(0, put("x", "a"), 0, 10, ok()));
        ops.add(stale);
        CheckResult result = LinearizabilityChecker.check(new KvModel(), ops, Duration.ofMillis(200));
        assertIllegal(result, stale);
    }

    @Test
    void rejectsNegativeTimeout() {
        assertThrows(IllegalArgumentException.class,
                () -> LinearizabilityChecker.check(new KvModel(), List.of(), Duration.ofSeconds(-1)));
    }

    @Test
    void worksWithTheDefaultSinglePartition() {
        // A register model that does not override partition(): one search over the whole history.
        Model<Integer, Integer, Integer> register = new Model<>() {
            @Override
            public Integer initialState() {
                return 0;
            }

            @Override
            public StepResult<Integer> step(Integer state, Integer write, Integer read) {
                // Input -1 is a read of the output; any other input writes itself and outputs it back.
                if (write == -1) {
                    return read == null || read.equals(state) ? StepResult.legal(state) : StepResult.illegal();
                }
                return read == null || read.equals(write) ? StepResult.legal(write) : StepResult.illegal();
            }
        };
        List<Operation<Integer, Integer>> good = List.of(
                new Operation<>(0, 5, 0, 10, 5),
                new Operation<>(1, -1, 3, 4, 0),
                new Operation<>(1, -1, 11, 12, 5));
        assertOk(LinearizabilityChecker.check(register, good, TIMEOUT));
        List<Operation<Integer, Integer>> bad = List.of(
                new Operation<>(0, 5, 0, 10, 5),
                new Operation<>(1, -1, 11, 12, 0));
        assertEquals(Verdict.ILLEGAL, LinearizabilityChecker.check(register, bad, TIMEOUT).verdict());
    }
}
