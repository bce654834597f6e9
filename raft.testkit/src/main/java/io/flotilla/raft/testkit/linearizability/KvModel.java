package io.flotilla.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The specification of a linearizable string key-value store with get, put, append and compare-and-set.
 *
 * <p>Every operation touches one key and keys are independent, so {@link #partition} splits a history by key and the
 * state of each partition is just that key's value. A key never written reads as {@code ""}: there is no separate
 * "absent" state, which keeps the state a plain string (and means a store under test should answer a read of a
 * missing key with {@code ""}, or the test should map its "not found" to {@code ""}).
 *
 * <p>For operations whose outcome is unknown ({@code output == null}), a put, append or CAS applies its effect as the
 * store would have — a CAS succeeding exactly if the value matched — and a get changes nothing.
 */
public final class KvModel implements Model<String, KvInput, KvOutput> {

    /** Creates the model; it holds no state, so one instance can serve any number of checks. */
    public KvModel() {
    }

    /**
     * Returns the value of a key never written.
     *
     * @return {@code ""}
     */
    @Override
    public String initialState() {
        return "";
    }

    /**
     * Applies one operation to a key's value. An output of the wrong kind for the input (say {@code ok} for a get)
     * is illegal.
     *
     * @param value  the key's value before the operation
     * @param input  the request
     * @param output the response, or null if the outcome is unknown
     * @return the step's result
     */
    @Override
    public StepResult<String> step(String value, KvInput input, KvOutput output) {
        if (input instanceof KvInput.Get) {
            boolean legal = output == null || output instanceof KvOutput.Value v && v.value().equals(value);
            return legal ? StepResult.legal(value) : StepResult.illegal();
        }
        if (input instanceof KvInput.Put put) {
            return acknowledged(output) ? StepResult.legal(put.value()) : StepResult.illegal();
        }
        if (input instanceof KvInput.Append append) {
            return acknowledged(output) ? StepResult.legal(value + append.value()) : StepResult.illegal();
        }
        KvInput.Cas cas = (KvInput.Cas) input;
        boolean matches = value.equals(cas.expected());
        boolean legal = output == null || output instanceof KvOutput.CasResult r && r.succeeded() == matches;
        return legal ? StepResult.legal(matches ? cas.newValue() : value) : StepResult.illegal();
    }

    private static boolean acknowledged(KvOutput output) {
        return output == null || output instanceof KvOutput.Ok;
    }

    /**
     * Splits the history by key, keeping each key's operations in their original order. Gets whose outcome is unknown
     * are dropped: they neither change the state nor report anything, so they constrain nothing, and leaving them in
     * would only give the search more orders to try.
     *
     * @param history the whole history
     * @return one partition per key, in order of each key's first appearance
     */
    @Override
    public List<List<Operation<KvInput, KvOutput>>> partition(List<Operation<KvInput, KvOutput>> history) {
        Map<String, List<Operation<KvInput, KvOutput>>> byKey = new LinkedHashMap<>();
        for (Operation<KvInput, KvOutput> op : history) {
            if (op.isUnknown() && op.input() instanceof KvInput.Get) {
                continue;
            }
            byKey.computeIfAbsent(op.input().key(), k -> new ArrayList<>()).add(op);
        }
        return new ArrayList<>(byKey.values());
    }
}
