package io.flotilla.raft.testkit.linearizability;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link LinearizabilityChecker#check}: a {@link Verdict} and a human-readable explanation.
 *
 * <p>For {@link Verdict#ILLEGAL} the result also carries the evidence a developer needs to debug a failing
 * simulation run: the longest order of operations the search managed to linearize in the offending partition
 * ({@link #linearizablePrefix()}), and the operations of which none could be placed next
 * ({@link #unplaceable()}); the explanation shows both, with the model state after each step. The prefix is "longest
 * found", not necessarily unique: other orders of the same length may exist.
 */
public final class CheckResult {

    private final Verdict verdict;
    private final String explanation;
    private final List<Operation<?, ?>> linearizablePrefix;
    private final List<Operation<?, ?>> unplaceable;

    private CheckResult(Verdict verdict, String explanation, List<Operation<?, ?>> linearizablePrefix,
                        List<Operation<?, ?>> unplaceable) {
        this.verdict = Objects.requireNonNull(verdict, "verdict");
        this.explanation = Objects.requireNonNull(explanation, "explanation");
        this.linearizablePrefix = List.copyOf(linearizablePrefix);
        this.unplaceable = List.copyOf(unplaceable);
    }

    static CheckResult ok(String explanation) {
        return new CheckResult(Verdict.OK, explanation, List.of(), List.of());
    }

    static CheckResult timedOut(String explanation) {
        return new CheckResult(Verdict.TIMED_OUT, explanation, List.of(), List.of());
    }

    static CheckResult illegal(String explanation, List<Operation<?, ?>> linearizablePrefix,
                               List<Operation<?, ?>> unplaceable) {
        return new CheckResult(Verdict.ILLEGAL, explanation, linearizablePrefix, unplaceable);
    }

    /**
     * Returns the verdict.
     *
     * @return OK, ILLEGAL or TIMED_OUT
     */
    public Verdict verdict() {
        return verdict;
    }

    /**
     * Tells whether the history was found linearizable. A timed-out check is not OK.
     *
     * @return true if the verdict is {@link Verdict#OK}
     */
    public boolean isOk() {
        return verdict == Verdict.OK;
    }

    /**
     * Returns a multi-line, human-readable explanation of the verdict, meant for an assertion message.
     *
     * @return the explanation, never null
     */
    public String explanation() {
        return explanation;
    }

    /**
     * For an ILLEGAL verdict, returns the longest order of operations of the offending partition that the search
     * could linearize, in linearization order.
     *
     * @return the prefix; empty for other verdicts (and when not even one operation could be placed)
     */
    public List<Operation<?, ?>> linearizablePrefix() {
        return linearizablePrefix;
    }

    /**
     * For an ILLEGAL verdict, returns the operations that were candidates to come right after
     * {@link #linearizablePrefix()} and of which none led to a linearization. The first one is the operation whose
     * return forced the search to give up: it had to take effect before returning, and could not.
     *
     * @return the operations; empty for other verdicts
     */
    public List<Operation<?, ?>> unplaceable() {
        return unplaceable;
    }

    /** Shows the verdict followed by the explanation. */
    @Override
    public String toString() {
        return verdict + ": " + explanation;
    }
}
