package io.flotilla.raft.storage.memory;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.LogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link LogStore} in the heap. Every method is synchronized: the store is cheap, and locking the whole object is
 * the simplest way to give concurrent readers the "before or after, never a mix" view the contract asks for.
 *
 * <p>Entries live in an array list whose element {@code i} is the entry at index {@code offset + 1 + i}.
 */
public final class MemoryLogStore implements LogStore {

    private final String name;
    private final ArrayList<LogEntry> entries = new ArrayList<>();
    /** The index just before the first entry held: the compaction boundary. */
    private long offset;
    /** The term of the entry at {@link #offset}; 0 for index 0. */
    private long offsetTerm;
    private PersistentState state = PersistentState.INITIAL;
    private boolean closed;

    /**
     * Creates an empty store.
     *
     * @param name used in error messages, e.g. the member id
     */
    public MemoryLogStore(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public synchronized long firstIndex() {
        return offset + 1;
    }

    @Override
    public synchronized long lastIndex() {
        return offset + entries.size();
    }

    @Override
    public synchronized long termAt(long index) {
        checkOpen();
        if (index == offset) {
            return offsetTerm;
        }
        checkHeld(index);
        return entries.get((int) (index - offset - 1)).term();
    }

    @Override
    public synchronized List<LogEntry> read(long fromIndex, long toIndex, long maxBytes) {
        checkOpen();
        if (fromIndex < firstIndex() || toIndex > lastIndex() + 1 || fromIndex > toIndex) {
            throw new IllegalArgumentException(name + ": cannot read [" + fromIndex + ", " + toIndex
                    + ") from a log holding [" + firstIndex() + ", " + (lastIndex() + 1) + ")");
        }
        List<LogEntry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = fromIndex; i < toIndex; i++) {
            LogEntry e = entries.get((int) (i - offset - 1));
            bytes += e.size();
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    @Override
    public synchronized PersistentState state() {
        return state;
    }

    @Override
    public synchronized void write(PersistentState newState, List<LogEntry> newEntries) {
        checkOpen();
        if (!newEntries.isEmpty()) {
            long first = newEntries.get(0).index();
            if (first < firstIndex() || first > lastIndex() + 1) {
                throw new IllegalArgumentException(name + ": cannot append at index " + first
                        + " to a log holding [" + firstIndex() + ", " + (lastIndex() + 1) + ")");
            }
            for (int i = 1; i < newEntries.size(); i++) {
                if (newEntries.get(i).index() != first + i) {
                    throw new IllegalArgumentException(name + ": entries are not contiguous at index "
                            + newEntries.get(i).index() + " (expected " + (first + i) + ")");
                }
            }
            truncateFrom(first);
            entries.addAll(newEntries);
        }
        if (newState != null) {
            state = newState;
        }
    }

    @Override
    public synchronized void truncateSuffix(long fromIndex) {
        checkOpen();
        if (fromIndex < firstIndex() || fromIndex > lastIndex() + 1) {
            throw new IllegalArgumentException(name + ": cannot truncate from " + fromIndex
                    + " in a log holding [" + firstIndex() + ", " + (lastIndex() + 1) + ")");
        }
        truncateFrom(fromIndex);
    }

    @Override
    public synchronized void compactPrefix(long throughIndex) {
        checkOpen();
        if (throughIndex < offset || throughIndex > lastIndex()) {
            throw new IllegalArgumentException(name + ": cannot compact through " + throughIndex
                    + " in a log holding [" + firstIndex() + ", " + (lastIndex() + 1) + ")");
        }
        long term = termAt(throughIndex);
        entries.subList(0, (int) (throughIndex - offset)).clear();
        offset = throughIndex;
        offsetTerm = term;
    }

    @Override
    public synchronized void reset(long index, long term) {
        checkOpen();
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException(name + ": cannot reset to index " + index + " term " + term);
        }
        entries.clear();
        offset = index;
        offsetTerm = term;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void truncateFrom(long fromIndex) {
        entries.subList((int) (fromIndex - offset - 1), entries.size()).clear();
    }

    private void checkHeld(long index) {
        if (index < offset || index > lastIndex()) {
            throw new IllegalArgumentException(name + ": index " + index + " is outside the log [" + offset + ", "
                    + lastIndex() + "]");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(name + ": the log store is closed");
        }
    }
}
