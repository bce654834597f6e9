package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.PersistentState;
import java.util.List;

/**
 * Durable storage of one member's Raft log and {@link PersistentState}. Implementations are plugins
 * ({@link LogStoreProvider}); the engine is their only writer.
 *
 * <h2>The log's shape</h2>
 * The store holds the contiguous entries {@link #firstIndex()} .. {@link #lastIndex()}. Entries below
 * {@code firstIndex()} have been compacted away (covered by a snapshot); the store still knows the term of the entry
 * just before the first one, at {@code firstIndex() - 1}, because the consistency check of Raft §5.3 needs it. A new
 * store is empty with {@code firstIndex() == 1}, {@code lastIndex() == 0} and {@code termAt(0) == 0}.
 *
 * <h2>Durability</h2>
 * With sync on (the default of every store), every mutating method returns only once its change is durable: it
 * survives a process kill and an operating system crash. Raft's safety depends on this — a member that forgets a vote
 * or an acknowledged entry can elect two leaders or lose committed data (Raft §5.1, Figure 2). Each call is atomic: after
 * a crash the store holds either all of its change or none. A store may offer an option to turn sync off, which must be
 * named as unsafe in its documentation.
 *
 * <h2>Threads</h2>
 * Mutating methods are called from one thread at a time. Reading methods may be called from other threads at the same
 * time and see the log either before or after a concurrent change, never a mix. Each call is its own view: a reader on
 * another thread that computes a range from {@link #firstIndex()} or {@link #lastIndex()} and then calls
 * {@link #read} may find the range gone if a truncation, compaction or reset ran in between; it then gets
 * {@link IllegalArgumentException} and should read the bounds again. (The engine writes from its disk thread while its
 * event loop reads; it never reads a range that a concurrent change could remove: compaction and reset run while the
 * loop waits.)
 *
 * <h2>Closing</h2>
 * After {@link #close()} every other method throws {@link IllegalStateException}.
 *
 * <h2>Errors</h2>
 * Misuse (a gap, a read below the first index) fails with {@link IllegalArgumentException} and changes nothing.
 * I/O failures are {@link LogStoreException}; an entry that fails its integrity check is {@link CorruptLogException},
 * naming the store and the index. A store never skips an entry silently.
 */
public interface LogStore extends AutoCloseable {

    /**
     * Returns the index of the first entry held; {@code lastIndex() + 1} when no entry is held.
     *
     * @return the first index
     */
    long firstIndex();

    /**
     * Returns the index of the last entry held; {@code firstIndex() - 1} when no entry is held.
     *
     * @return the last index
     */
    long lastIndex();

    /**
     * Returns the term of the entry at {@code index}.
     *
     * @param index from {@code firstIndex() - 1} (the compaction boundary, whose term is remembered) to {@code lastIndex()}
     * @return the term; 0 for index 0
     * @throws IllegalArgumentException if the index is outside that range
     */
    long termAt(long index);

    /**
     * Reads entries {@code [fromIndex, toIndex)}, stopping before the first entry that would take the payload total
     * past {@code maxBytes} (an entry that fits exactly is included); the first entry is always returned however large,
     * so a reader always makes progress.
     *
     * @param fromIndex first index, at least {@code firstIndex()}
     * @param toIndex   one past the last index wanted, at most {@code lastIndex() + 1}
     * @param maxBytes  the payload budget
     * @return the entries, in order; empty only if {@code fromIndex == toIndex}
     * @throws IllegalArgumentException if the range is outside the log
     */
    List<LogEntry> read(long fromIndex, long toIndex, long maxBytes);

    /**
     * Returns the last persistent state written, or {@link PersistentState#INITIAL} for a new store.
     *
     * @return the persistent state
     */
    PersistentState state();

    /**
     * The engine's one write per batch: stores the persistent state (if not null) and appends the entries, in one
     * atomic, durable write (group commit).
     *
     * <p>Entries must be contiguous and start at an index from {@code firstIndex()} to {@code lastIndex() + 1}. Entries
     * already held at or after the first new index are replaced: this is how a follower drops a conflicting suffix
     * (Raft §5.3).
     *
     * @param state   the new persistent state, or null to keep the current one
     * @param entries the entries to append; may be empty
     * @throws IllegalArgumentException if the entries leave a gap, are not contiguous, or start below {@code firstIndex()}
     */
    void write(PersistentState state, List<LogEntry> entries);

    /**
     * Appends entries; the same as {@code write(null, entries)}.
     *
     * @param entries the entries
     */
    default void append(List<LogEntry> entries) {
        write(null, entries);
    }

    /**
     * Saves the persistent state; the same as {@code write(state, List.of())}.
     *
     * @param state the new state
     */
    default void saveState(PersistentState state) {
        write(state, List.of());
    }

    /**
     * Removes the entries at {@code fromIndex} and after.
     *
     * @param fromIndex from {@code firstIndex()} to {@code lastIndex() + 1} (the latter removes nothing)
     * @throws IllegalArgumentException if the index is outside that range
     */
    void truncateSuffix(long fromIndex);

    /**
     * Discards the entries up to and including {@code throughIndex}, which a snapshot now covers. Afterwards
     * {@code firstIndex() == throughIndex + 1} and {@code termAt(throughIndex)} still answers.
     *
     * @param throughIndex from {@code firstIndex() - 1} (does nothing) to {@code lastIndex()}
     * @throws IllegalArgumentException if the index is outside that range
     */
    void compactPrefix(long throughIndex);

    /**
     * Discards the whole log and restarts it after a snapshot the member installed (Raft §7): afterwards the log is
     * empty, {@code lastIndex() == index}, {@code firstIndex() == index + 1} and {@code termAt(index) == term}. The
     * persistent state is kept.
     *
     * @param index the snapshot's last index
     * @param term  the term of that entry
     * @throws IllegalArgumentException if the index or the term is negative
     */
    void reset(long index, long term);

    /** Releases the store's resources; what was durable stays durable. Idempotent. */
    @Override
    void close();
}
