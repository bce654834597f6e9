package io.flotilla.raft.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the replicated log.
 *
 * <p>Two entries with the same index and term hold the same payload on every member (Raft §5.3, Log Matching). The
 * payload array is not copied, for speed: callers must not change it after handing it over.
 *
 * @param index   position in the log, starting at 1
 * @param term    term of the leader that created the entry, at least 1
 * @param kind    what the payload is
 * @param payload the bytes, never null (empty for {@link EntryKind#NO_OP})
 */
public record LogEntry(long index, long term, EntryKind kind, byte[] payload) {

    private static final byte[] EMPTY = new byte[0];

    /**
     * Validates the entry.
     *
     * @throws IllegalArgumentException if index or term is below 1
     *
     * @param index see the record component
     * @param term see the record component
     * @param kind see the record component
     * @param payload see the record component
     */
    public LogEntry {
        if (index < 1) {
            throw new IllegalArgumentException("log index must be >= 1, got " + index);
        }
        if (term < 1) {
            throw new IllegalArgumentException("term must be >= 1, got " + term);
        }
        Objects.requireNonNull(kind, "kind");
        payload = payload == null ? EMPTY : payload;
    }

    /**
     * Returns a command entry.
     *
     * @param index   log index
     * @param term    term
     * @param payload the command
     * @return the entry
     */
    public static LogEntry command(long index, long term, byte[] payload) {
        return new LogEntry(index, term, EntryKind.COMMAND, payload);
    }

    /**
     * Returns a no-op entry.
     *
     * @param index log index
     * @param term  term
     * @return the entry
     */
    public static LogEntry noOp(long index, long term) {
        return new LogEntry(index, term, EntryKind.NO_OP, EMPTY);
    }

    /** {@return the number of payload bytes, the unit in which batch limits are counted} */
    public int size() {
        return payload.length;
    }

    /** Compares index, term, kind and payload content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e
                && index == e.index && term == e.term && kind == e.kind && Arrays.equals(payload, e.payload);
    }

    /** Hashes index, term, kind and payload content. */
    @Override
    public int hashCode() {
        return Objects.hash(index, term, kind) * 31 + Arrays.hashCode(payload);
    }

    /** Shows index, term, kind and payload size (not the payload, which may be large or binary). */
    @Override
    public String toString() {
        return "LogEntry[" + index + "@" + term + " " + kind + " " + payload.length + "B]";
    }
}
