package io.flotilla.raft.testkit.linearizability;

import java.util.Arrays;

/**
 * A fixed-size bit set of operation indexes, the "which operations are linearized so far" half of a memo key.
 *
 * <p>Unlike {@link java.util.BitSet} it keeps its hash up to date on every change (the XOR of a mixed value per set
 * bit), so hashing a memo key costs O(1) instead of O(history length); equality still compares every word.
 */
final class Bits {

    private final long[] words;
    private long hash;

    Bits(int size) {
        this.words = new long[(size + 63) >>> 6];
    }

    private Bits(long[] words, long hash) {
        this.words = words;
        this.hash = hash;
    }

    void set(int i) {
        long mask = 1L << i;
        if ((words[i >>> 6] & mask) == 0) {
            words[i >>> 6] |= mask;
            hash ^= mix(i);
        }
    }

    void clear(int i) {
        long mask = 1L << i;
        if ((words[i >>> 6] & mask) != 0) {
            words[i >>> 6] &= ~mask;
            hash ^= mix(i);
        }
    }

    Bits copy() {
        return new Bits(words.clone(), hash);
    }

    long hash() {
        return hash;
    }

    /** Tells whether every bit set here is also set in {@code other} (both of the same size). */
    boolean subsetOf(Bits other) {
        for (int i = 0; i < words.length; i++) {
            if ((words[i] & ~other.words[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    boolean sameBits(Bits other) {
        return hash == other.hash && Arrays.equals(words, other.words);
    }

    /** SplitMix64's finalizer: spreads consecutive indexes over all 64 bits so that XOR-ing them rarely collides. */
    private static long mix(long i) {
        long z = i + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
