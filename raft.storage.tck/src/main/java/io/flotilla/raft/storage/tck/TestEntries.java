package io.flotilla.raft.storage.tck;

import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Log entries whose payload is derived from their index and term, so that any entry read back can be checked on its
 * own ({@link #isIntact(LogEntry)}) without remembering what was written — which is what a crash test needs.
 */
public final class TestEntries {

    /** The payload size used when a test does not care. */
    public static final int DEFAULT_SIZE = 100;

    private TestEntries() {
    }

    /**
     * Returns an entry with a derived payload of the default size.
     *
     * @param index the index
     * @param term  the term
     * @return the entry
     */
    public static LogEntry entry(long index, long term) {
        return entry(index, term, DEFAULT_SIZE);
    }

    /**
     * Returns an entry with a derived payload. The kind rotates with the index so that every kind is stored.
     *
     * @param index the index
     * @param term  the term
     * @param size  the payload size in bytes
     * @return the entry
     */
    public static LogEntry entry(long index, long term, int size) {
        EntryKind kind = EntryKind.values()[(int) (index % EntryKind.values().length)];
        return new LogEntry(index, term, kind, payload(index, term, size));
    }

    /**
     * Returns {@code count} contiguous entries from {@code firstIndex}, all in {@code term}.
     *
     * @param firstIndex the first index
     * @param count      how many
     * @param term       their term
     * @return the entries
     */
    public static List<LogEntry> range(long firstIndex, int count, long term) {
        return range(firstIndex, count, term, DEFAULT_SIZE);
    }

    /**
     * Returns {@code count} contiguous entries from {@code firstIndex}, all in {@code term}, of the given size.
     *
     * @param firstIndex the first index
     * @param count      how many
     * @param term       their term
     * @param size       payload size of each
     * @return the entries
     */
    public static List<LogEntry> range(long firstIndex, int count, long term, int size) {
        List<LogEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(entry(firstIndex + i, term, size));
        }
        return out;
    }

    /**
     * Tells whether an entry holds the payload and kind {@link #entry(long, long, int)} would give it.
     *
     * @param e the entry read back
     * @return true if it is exactly what was written for its index and term
     */
    public static boolean isIntact(LogEntry e) {
        return e.equals(entry(e.index(), e.term(), e.size()));
    }

    private static byte[] payload(long index, long term, int size) {
        byte[] bytes = new byte[size];
        // A cheap generator seeded by (index, term): different entries get different bytes, so a swapped or
        // misplaced payload is noticed, not just a truncated one.
        long x = (index * 0x9E3779B97F4A7C15L ^ term * 0xC2B2AE3D27D4EB4FL) | 1; // never 0: xorshift would stay 0
        for (int i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            bytes[i] = (byte) x;
        }
        return bytes;
    }
}
