package io.flotilla.raft.testkit.linearizability;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Decides whether a history of client operations is linearizable with respect to a {@link Model}: whether each
 * operation can be given one instant between its call and its return such that, executed one at a time in the order
 * of those instants, the model produces exactly the recorded outputs (Herlihy &amp; Wing 1990).
 *
 * <p><b>Algorithm.</b> The search is the one of J. M. Wing and C. Gong, "Testing and verifying concurrent objects",
 * Journal of Parallel and Distributed Computing 17(1), 1993, with the memoization of G. Lowe, "Testing for
 * linearizability", Concurrency and Computation: Practice and Experience 29(4), 2017 — the same combination as the
 * Porcupine checker. Every call and return becomes an event in a doubly-linked list sorted by time. The search scans
 * the list from its head: at a call whose operation the model accepts in the current state, it <em>linearizes</em>
 * the operation (removes its call and return from the list, pushes it on a stack, moves to the next state) and
 * restarts the scan; on reaching a return, whose operation should have taken effect by then, it has hit a dead end
 * and backtracks: pops the last operation, puts its events back and tries the next candidate after it. The history
 * is linearizable when every completed operation has been linearized. The list removal and reinsertion are O(1)
 * ("dancing links"), and the stack is explicit, so a history of any length runs without deep recursion.
 *
 * <p>Lowe's improvement: the search remembers each (set of linearized operations, state) pair it has reached and
 * never enters one twice — two orders of the same operations that end in the same state have the same future. The set
 * is a bit set with an incrementally maintained hash, which is why {@link Model} states must have value semantics.
 *
 * <p>Two refinements of ours keep the search small; neither changes the verdict. Among the candidates, those that
 * leave the state unchanged (reads) are tried first, then other completed operations, then operations of unknown
 * outcome. And the memo treats unknown-outcome operations as optional: a configuration is skipped if one with the
 * same completed operations and state, but using only a subset of its unknown operations, was already reached.
 *
 * <p><b>Time.</b> Intervals are closed: when one operation returns at the very time another is called, the two are
 * treated as concurrent (calls sort before returns at equal times). With a coarse simulated clock, "same tick" cannot
 * tell which came first, and treating it as an order would report violations that did not happen.
 *
 * <p><b>Unknown outcomes.</b> An {@link Operation#unknown} operation gets a call event but no return event: it may be
 * linearized anywhere after its call, and since the search stops once every <em>completed</em> operation is placed, it
 * may also never take effect.
 *
 * <p><b>Partitions.</b> {@link Model#partition} splits the history into independent parts, each searched on its own
 * from the model's initial state; the history is linearizable if and only if every part is. An ILLEGAL part decides
 * the whole, so it wins over a part that TIMED_OUT.
 *
 * <p><b>Cost.</b> Worst-case cost is exponential in the number of mutually concurrent operations of a partition (the
 * problem is NP-complete), hence the timeout. Histories with a bounded number of clients, as simulations produce, are
 * fast: thousands of operations over a few keys take milliseconds. Two things make it slow. An ILLEGAL history must be
 * refuted by exhausting every order up to the offending operation, which costs far more than finding one order. And
 * each unknown-outcome operation stays concurrent with everything after its call; unknown writes whose effect no later
 * read pins down, such as appends, multiply the states to explore. Keep timeouts rare in a simulation, or split the
 * history finely (by key).
 */
public final class LinearizabilityChecker {

    /** How many operations of the linearizable prefix an explanation shows; the rest is elided. */
    private static final int PREFIX_SHOWN = 30;

    private LinearizabilityChecker() {
    }

    /**
     * Checks a history.
     *
     * @param model   the sequential specification
     * @param history the operations, in any order (they are ordered by their times); not modified
     * @param timeout how long the search may run, in total over all partitions; the clock is polled every so many
     *                search steps, so a search that needs fewer steps always finishes
     * @param <S>     the model's state type
     * @param <I>     the input type
     * @param <O>     the output type
     * @return OK, ILLEGAL with an explanation naming the operations that cannot be placed, or TIMED_OUT
     * @throws NullPointerException     if an argument or an operation of the history is null
     * @throws IllegalArgumentException if the timeout is negative
     */
    public static <S, I, O> CheckResult check(Model<S, I, O> model, List<Operation<I, O>> history, Duration timeout) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        List<Operation<I, O>> ops = List.copyOf(history);
        List<List<Operation<I, O>>> partitions = Objects.requireNonNull(model.partition(ops), "Model.partition");

        long budget = saturatedNanos(timeout);
        long start = System.nanoTime();
        BooleanSupplier expired = () -> System.nanoTime() - start > budget;

        String timedOut = null;
        for (int p = 0; p < partitions.size(); p++) {
            Search<S, I, O> search = new Search<>(model, partitions.get(p), expired);
            Search.Outcome outcome = search.run();
            switch (outcome) {
                case OK -> { }
                case ILLEGAL -> {
                    return illegal(search, p, partitions.size());
                }
                case TIMED_OUT, TOO_LARGE -> {
                    if (timedOut == null) {
                        timedOut = "Unknown: the search did not finish "
                                + (outcome == Search.Outcome.TIMED_OUT ? "within " + timeout
                                : "within " + Search.MAX_REMEMBERED + " remembered configurations (its memory bound)")
                                + "; partition " + (p + 1) + " of " + partitions.size() + " (" + search.size()
                                + " operations) was the first left undecided. Partitions that finished were"
                                + " linearizable.";
                    }
                }
            }
        }
        if (timedOut != null) {
            return CheckResult.timedOut(timedOut);
        }
        return CheckResult.ok("Linearizable: " + ops.size() + " operations in " + partitions.size()
                + (partitions.size() == 1 ? " partition." : " partitions."));
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private static <S, I, O> CheckResult illegal(Search<S, I, O> search, int partition, int partitions) {
        List<Operation<I, O>> prefix = search.bestPrefix();
        List<S> states = search.bestStates();
        List<Operation<I, O>> stuck = search.bestStuck();
        Model<S, I, O> model = search.model();

        StringBuilder b = new StringBuilder("Not linearizable: ")
                .append(partitions == 1 ? "the history" : "partition " + (partition + 1) + " of " + partitions)
                .append(" (").append(search.size()).append(" operations) has no order that agrees with both")
                .append(" real time and the model.\n");
        if (prefix.isEmpty()) {
            b.append("Not even a first operation can be placed.\n");
        } else {
            b.append("Longest linearizable prefix found: ").append(prefix.size()).append(" operations")
                    .append(" (model state after each):\n");
            int from = Math.max(0, prefix.size() - PREFIX_SHOWN);
            if (from > 0) {
                b.append("   ... ").append(from).append(" earlier operations not shown\n");
            }
            for (int i = from; i < prefix.size(); i++) {
                b.append(String.format("  %4d. ", i + 1)).append(prefix.get(i))
                        .append("  =>  ").append(Text.state(states.get(i))).append('\n');
            }
        }
        S state = search.bestState();
        b.append("From state ").append(Text.state(state)).append(", none of these can come next:\n");
        for (int i = 0; i < stuck.size(); i++) {
            Operation<I, O> op = stuck.get(i);
            boolean legal = model.step(state, op.input(), op.output()).isLegal();
            b.append("  * ").append(op).append("\n      ");
            if (i == 0) {
                b.append("must take effect before it returned at ").append(op.returnTime()).append(", but ");
            }
            b.append(legal ? "every continuation after it fails" : "its output is impossible in this state")
                    .append(op.isUnknown() ? " (outcome unknown, so it may also never take effect)" : "")
                    .append('\n');
        }
        return CheckResult.illegal(b.toString(), List.copyOf(prefix), List.copyOf(stuck));
    }
}
