package io.flotilla.raft.testkit.linearizability;

import java.util.Objects;

/**
 * A request to the key-value store that {@link KvModel} specifies. Keys and values are strings; a key never written
 * reads as the empty string.
 */
public sealed interface KvInput {

    /**
     * Returns the key the request touches; {@link KvModel} partitions histories by it.
     *
     * @return the key, never null
     */
    String key();

    /**
     * Returns a read.
     *
     * @param key the key
     * @return the request
     */
    static KvInput get(String key) {
        return new Get(key);
    }

    /**
     * Returns a write.
     *
     * @param key   the key
     * @param value the new value
     * @return the request
     */
    static KvInput put(String key, String value) {
        return new Put(key, value);
    }

    /**
     * Returns an append.
     *
     * @param key   the key
     * @param value what to add at the end of the current value
     * @return the request
     */
    static KvInput append(String key, String value) {
        return new Append(key, value);
    }

    /**
     * Returns a compare-and-set.
     *
     * @param key      the key
     * @param expected the value the key must hold for the write to happen
     * @param newValue the value written if it does
     * @return the request
     */
    static KvInput cas(String key, String expected, String newValue) {
        return new Cas(key, expected, newValue);
    }

    /**
     * Reads a key; answered with {@link KvOutput.Value}.
     *
     * @param key the key
     */
    record Get(String key) implements KvInput {

        /**
         * Validates the request.
         *
         * @param key the key
         * @throws NullPointerException if the key is null
         */
        public Get {
            Objects.requireNonNull(key, "key");
        }

        /** Shows {@code Get("key")}. */
        @Override
        public String toString() {
            return "Get(" + Text.quote(key) + ")";
        }
    }

    /**
     * Replaces a key's value; answered with {@link KvOutput.Ok}.
     *
     * @param key   the key
     * @param value the new value
     */
    record Put(String key, String value) implements KvInput {

        /**
         * Validates the request.
         *
         * @param key the key
         * @param value the new value
         * @throws NullPointerException if an argument is null
         */
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        /** Shows {@code Put("key", "value")}. */
        @Override
        public String toString() {
            return "Put(" + Text.quote(key) + ", " + Text.quote(value) + ")";
        }
    }

    /**
     * Concatenates a string to a key's value (to {@code ""} if the key is missing); answered with
     * {@link KvOutput.Ok}. Appending unique tokens makes every value record its whole write history, which exposes
     * lost and reordered writes that plain puts would hide.
     *
     * @param key   the key
     * @param value the string to append
     */
    record Append(String key, String value) implements KvInput {

        /**
         * Validates the request.
         *
         * @param key the key
         * @param value the string to append
         * @throws NullPointerException if an argument is null
         */
        public Append {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        /** Shows {@code Append("key", "value")}. */
        @Override
        public String toString() {
            return "Append(" + Text.quote(key) + ", " + Text.quote(value) + ")";
        }
    }

    /**
     * Writes {@code newValue} if and only if the key currently holds {@code expected}; answered with
     * {@link KvOutput.CasResult}, true if the write happened. A missing key holds {@code ""}.
     *
     * @param key      the key
     * @param expected the value required
     * @param newValue the value written on success
     */
    record Cas(String key, String expected, String newValue) implements KvInput {

        /**
         * Validates the request.
         *
         * @param key the key
         * @param expected the value required
         * @param newValue the value written on success
         * @throws NullPointerException if an argument is null
         */
        public Cas {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(newValue, "newValue");
        }

        /** Shows {@code Cas("key", "expected" -> "newValue")}. */
        @Override
        public String toString() {
            return "Cas(" + Text.quote(key) + ", " + Text.quote(expected) + " -> " + Text.quote(newValue) + ")";
        }
    }
}
