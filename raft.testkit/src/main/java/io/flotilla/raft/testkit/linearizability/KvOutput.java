package io.flotilla.raft.testkit.linearizability;

import java.util.Objects;

/** A response of the key-value store that {@link KvModel} specifies, one kind per kind of {@link KvInput}. */
public sealed interface KvOutput {

    /**
     * Returns the answer to a {@link KvInput.Get}.
     *
     * @param value the value read; {@code ""} for a missing key
     * @return the response
     */
    static KvOutput value(String value) {
        return new Value(value);
    }

    /**
     * Returns the answer to a {@link KvInput.Put} or {@link KvInput.Append}.
     *
     * @return the response
     */
    static KvOutput ok() {
        return Ok.INSTANCE;
    }

    /**
     * Returns the answer to a {@link KvInput.Cas}.
     *
     * @param succeeded whether the value matched and was replaced
     * @return the response
     */
    static KvOutput casResult(boolean succeeded) {
        return new CasResult(succeeded);
    }

    /**
     * The value a {@link KvInput.Get} read.
     *
     * @param value the value; {@code ""} for a missing key
     */
    record Value(String value) implements KvOutput {

        /**
         * Validates the response.
         *
         * @param value the value read
         * @throws NullPointerException if the value is null (a missing key reads as {@code ""}, not null)
         */
        public Value {
            Objects.requireNonNull(value, "value");
        }

        /** Shows the value in quotes. */
        @Override
        public String toString() {
            return Text.quote(value);
        }
    }

    /** The acknowledgement of a {@link KvInput.Put} or {@link KvInput.Append}. */
    record Ok() implements KvOutput {

        private static final Ok INSTANCE = new Ok();

        /** Shows {@code ok}. */
        @Override
        public String toString() {
            return "ok";
        }
    }

    /**
     * The outcome of a {@link KvInput.Cas}.
     *
     * @param succeeded whether the value matched and was replaced
     */
    record CasResult(boolean succeeded) implements KvOutput {

        /** Shows {@code true} or {@code false}. */
        @Override
        public String toString() {
            return Boolean.toString(succeeded);
        }
    }
}
