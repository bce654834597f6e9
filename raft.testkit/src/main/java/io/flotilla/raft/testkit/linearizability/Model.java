package io.flotilla.raft.testkit.linearizability;

import java.util.List;

/**
 * A sequential specification: the single, atomic object that a linearizable system must appear to be.
 *
 * <p>The checker explores orders of the operations and asks the model, one operation at a time, whether the recorded
 * output is possible. A model must therefore be <em>pure</em> (no side effects, same answer for the same arguments)
 * and <em>deterministic</em> (one next state per state and operation).
 *
 * <p><b>States are values.</b> The checker memoizes every (set of linearized operations, state) pair it has explored
 * and skips a branch that reaches a pair already seen (Lowe's optimization, without which the search is exponential
 * far more often). States are kept in a hash set, so they must be immutable and implement {@code equals} and
 * {@code hashCode} by value — strings, records and unmodifiable collections work.
 *
 * <p><b>P-compositionality.</b> Linearizability is local: a history is linearizable if and only if its restriction to
 * each independent object is (Herlihy &amp; Wing 1990). A model whose operations each touch one object — like a
 * key-value store, where each key is independent — should override {@link #partition} to split the history per
 * object: the checker then searches each small partition alone, which turns one search that is exponential in the
 * whole history's concurrency into many small ones.
 *
 * @param <S> the state type; immutable, with value {@code equals}/{@code hashCode}
 * @param <I> the input (request) type
 * @param <O> the output (response) type
 */
public interface Model<S, I, O> {

    /**
     * Returns the state before any operation, for each partition alike.
     *
     * @return the initial state
     */
    S initialState();

    /**
     * Applies one operation to a state.
     *
     * <p>If {@code output} is null, the operation's outcome is unknown (see {@link Operation#unknown}); the step
     * must then apply the input's effect as if it had returned whatever the state implies, and be legal whenever the
     * input itself can be applied. Otherwise the step is legal only if {@code output} is exactly what the object
     * would have answered in {@code state}.
     *
     * @param state  the state before the operation
     * @param input  the operation's input
     * @param output the recorded output, or null if the outcome is unknown
     * @return {@link StepResult#legal(Object)} with the state after the operation, or {@link StepResult#illegal()};
     *         never null
     */
    StepResult<S> step(S state, I input, O output);

    /**
     * Splits a history into independent sub-histories, each checked on its own from {@link #initialState()}.
     *
     * <p>Override only when the partitions truly share nothing: an operation must not depend on, or affect, the
     * state of another partition. The default returns the whole history as one partition. A partition may also
     * leave out operations that cannot constrain any order (for example reads whose outcome is unknown).
     *
     * @param history the whole history
     * @return the partitions; every operation that matters belongs to exactly one
     */
    default List<List<Operation<I, O>>> partition(List<Operation<I, O>> history) {
        return List.of(history);
    }
}
