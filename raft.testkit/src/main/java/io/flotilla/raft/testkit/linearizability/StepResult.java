package io.flotilla.raft.testkit.linearizability;

import java.util.Objects;

/**
 * The answer of {@link Model#step}: whether an operation's output is possible from a given state and, if it is, the
 * state after the operation.
 *
 * @param <S> the model's state type
 */
public final class StepResult<S> {

    private static final StepResult<?> ILLEGAL = new StepResult<>(false, null);

    private final boolean legal;
    private final S nextState;

    private StepResult(boolean legal, S nextState) {
        this.legal = legal;
        this.nextState = nextState;
    }

    /**
     * Returns a legal step leading to {@code nextState}.
     *
     * @param nextState the state after the operation; must implement {@code equals} and {@code hashCode} by value
     * @param <S>       the state type
     * @return the result
     */
    public static <S> StepResult<S> legal(S nextState) {
        return new StepResult<>(true, nextState);
    }

    /**
     * Returns the verdict that the output is impossible from the state.
     *
     * @param <S> the state type
     * @return the (shared) illegal result
     */
    @SuppressWarnings("unchecked") // holds no state, so one instance serves every S
    public static <S> StepResult<S> illegal() {
        return (StepResult<S>) ILLEGAL;
    }

    /**
     * Tells whether the step is legal.
     *
     * @return true if the output is possible from the state
     */
    public boolean isLegal() {
        return legal;
    }

    /**
     * Returns the state after a legal step.
     *
     * @return the next state
     * @throws IllegalStateException if the step is illegal, which has no next state
     */
    public S nextState() {
        if (!legal) {
            throw new IllegalStateException("an illegal step has no next state");
        }
        return nextState;
    }

    /** Compares legality and next state. */
    @Override
    public boolean equals(Object o) {
        return o instanceof StepResult<?> r && legal == r.legal && Objects.equals(nextState, r.nextState);
    }

    /** Hashes legality and next state. */
    @Override
    public int hashCode() {
        return Boolean.hashCode(legal) * 31 + Objects.hashCode(nextState);
    }

    /** Shows {@code legal -> state} or {@code illegal}. */
    @Override
    public String toString() {
        return legal ? "legal -> " + nextState : "illegal";
    }
}
