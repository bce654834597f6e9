package com.example.flotilla.journal;

import java.util.Arrays;

/**
 * The live log in memory: the compaction boundary and, for every entry after it, its term and where its record lies
 * in the journal file. Terms are kept because the engine asks for them constantly ({@code termAt}); payloads stay on
 * disk. The caller checks every index against the bounds first.
 */
final class LogIndex {

    private long boundary;
    private long boundaryTerm;
    private long[] terms = new long[64];
    private long[] offsets = new long[64];
    private int[] lengths = new int[64];
    private int size;
    private long liveBytes;

    /**
     * Creates an empty log that starts after a boundary.
     *
     * @param boundary     the index before the first entry
     * @param boundaryTerm its term
     */
    LogIndex(long boundary, long boundaryTerm) {
        this.boundary = boundary;
        this.boundaryTerm = boundaryTerm;
    }

    long boundary() {
        return boundary;
    }

    long lastIndex() {
        return boundary + size;
    }

    /** {@return the bytes of the live entries' records: what a rewrite would have to copy} */
    long liveBytes() {
        return liveBytes;
    }

    /** {@return the bytes of the records of the entries after the boundary through an index} */
    long bytesThrough(long index) {
        long bytes = 0;
        for (int i = 0, end = slot(index) + 1; i < end; i++) {
            bytes += lengths[i];
        }
        return bytes;
    }

    /** {@return the term at an index from the boundary to the last index} */
    long termAt(long index) {
        return index == boundary ? boundaryTerm : terms[slot(index)];
    }

    /** {@return where the record of an entry after the boundary starts in the file} */
    long offset(long index) {
        return offsets[slot(index)];
    }

    /** {@return the length of the record of an entry after the boundary} */
    int length(long index) {
        return lengths[slot(index)];
    }

    /** Adds the entry after the last one. */
    void add(long term, long offset, int length) {
        if (size == terms.length) {
            int capacity = size * 2;
            terms = Arrays.copyOf(terms, capacity);
            offsets = Arrays.copyOf(offsets, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
        }
        terms[size] = term;
        offsets[size] = offset;
        lengths[size] = length;
        size++;
        liveBytes += length;
    }

    /** Forgets the entries from an index on (after the boundary, at most the last index + 1). */
    void truncateFrom(long index) {
        int keep = slot(index);
        for (int i = keep; i < size; i++) {
            liveBytes -= lengths[i];
        }
        size = keep;
    }

    /** Forgets the entries through an index, which becomes the boundary (its term is remembered). */
    void compactThrough(long index) {
        if (index == boundary) {
            return;
        }
        int drop = slot(index) + 1;
        boundaryTerm = terms[drop - 1];
        for (int i = 0; i < drop; i++) {
            liveBytes -= lengths[i];
        }
        System.arraycopy(terms, drop, terms, 0, size - drop);
        System.arraycopy(offsets, drop, offsets, 0, size - drop);
        System.arraycopy(lengths, drop, lengths, 0, size - drop);
        size -= drop;
        boundary = index;
    }

    /** Forgets every entry; the log restarts after the given boundary. */
    void reset(long index, long term) {
        boundary = index;
        boundaryTerm = term;
        size = 0;
        liveBytes = 0;
    }

    private int slot(long index) {
        return (int) (index - boundary - 1);
    }
}
