package io.flotilla.raft.api;

import java.util.Objects;

/**
 * The stable identity of one member of a Raft cluster, such as {@code "n1"}.
 *
 * <p>Identities are compared by value and are what votes, configurations and messages refer to. They are not network
 * addresses: a member keeps its id when it moves to another address.
 *
 * @param value the identifier: 1 to 64 characters of letters, digits, {@code '-'}, {@code '_'} or {@code '.'}
 */
public record NodeId(String value) implements Comparable<NodeId> {

    private static final int MAX_LENGTH = 64;

    /**
     * Validates the identifier.
     *
     * @throws IllegalArgumentException if the value is empty, too long or holds other characters
     *
     * @param value see the record component
     */
    public NodeId {
        Objects.requireNonNull(value, "node id");
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("node id must be 1 to " + MAX_LENGTH + " characters, got '" + value + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.';
            if (!allowed) {
                throw new IllegalArgumentException(
                        "node id may hold only letters, digits, '-', '_' and '.', got '" + value + "'");
            }
        }
    }

    /**
     * Returns the node id with the given value.
     *
     * @param value the identifier
     * @return the node id
     * @throws IllegalArgumentException if the value is not a valid identifier
     */
    public static NodeId of(String value) {
        return new NodeId(value);
    }

    /** Orders ids by their text, so that sets of ids print and iterate in a stable order. */
    @Override
    public int compareTo(NodeId other) {
        return value.compareTo(other.value);
    }

    /** {@return the identifier itself} */
    @Override
    public String toString() {
        return value;
    }
}
