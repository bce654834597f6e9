package io.flotilla.raft.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The application's replicated state, implemented by the application and driven by the engine.
 *
 * <p>The engine calls every method from one thread, the node's apply thread, never concurrently: an implementation
 * needs no locking for the engine's sake. The one exception is {@link #query(byte[])} of a state machine that says
 * its queries may run concurrently ({@link #concurrentQueries()}). {@link #apply(LogEntry)} must be deterministic —
 * the same commands in the same order must give every member the same state and the same results — or members will
 * silently diverge.
 */
public interface StateMachine {

    /**
     * Applies one committed command. Called exactly once per command entry, in log order, and only after the entry is
     * committed (Raft §5.3); no-op and configuration entries are not passed here.
     *
     * <p>A {@link RuntimeException} thrown here is treated as the command's result: the proposer's future completes
     * exceptionally with it and the engine moves on. It must therefore be as deterministic as a return value.
     *
     * @param entry the committed entry, of kind {@link EntryKind#COMMAND}
     * @return the result handed to the proposer's future on the member that proposed it; may be empty, not null
     */
    byte[] apply(LogEntry entry);

    /**
     * Answers a read-only query against the current state. The engine calls it once the consistency condition of the
     * read (for example a linearizable read barrier) is met: on the apply thread, so the query sees every command
     * applied up to then and no later one; or, if {@link #concurrentQueries()} says so, on a reader thread.
     *
     * @param query the application's query bytes
     * @return the answer
     */
    byte[] query(byte[] query);

    /**
     * Tells whether {@link #query(byte[])} may run on the engine's reader threads, concurrently with applying and with
     * other queries, so that reads never wait behind applying nor hold it up (etcd serves reads from concurrent read
     * transactions of its backend in the same way). Asked once, when the node starts.
     *
     * <p>A state machine that says yes promises that a query, on any thread, answers from one consistent state (as
     * after some whole command) that holds at least every command applied before the last {@link #batchApplied()}
     * returned, or before {@link #restoreSnapshot(InputStream, long)} returned. The engine runs a query only once
     * the read's index is covered that way, answers a proposer only after the {@link #batchApplied()} that follows
     * its command (so a reader on the same member sees a write its client saw acknowledged), and never runs a query
     * during {@link #restoreSnapshot} or after the node is closed.
     *
     * <p>The default, false, keeps every query on the apply thread.
     *
     * @return whether queries may run concurrently
     */
    default boolean concurrentQueries() {
        return false;
    }

    /**
     * Writes the full state to {@code out}, so that {@link #restoreSnapshot(InputStream)} on another member rebuilds
     * it exactly. The engine records which log index the snapshot covers; the stream holds only the application
     * state.
     *
     * @param out where to write; not closed by this method
     * @throws IOException if writing fails; the engine then keeps its log and tries again later
     */
    void writeSnapshot(OutputStream out) throws IOException;

    /**
     * Replaces the whole state with the one read from {@code in}, written earlier by {@link #writeSnapshot}.
     *
     * @param in the snapshot; not closed by this method
     * @throws IOException if the stream cannot be read or is not a valid snapshot
     */
    void restoreSnapshot(InputStream in) throws IOException;

    /**
     * Replaces the whole state with a snapshot covering the log up to {@code lastIncludedIndex}. A state machine that
     * keeps its state on disk records that index with the restored data (see {@link #lastAppliedIndex()}), and must
     * make the restore crash-safe: after a crash part-way, {@link #lastAppliedIndex()} must not claim the snapshot.
     * The default calls {@link #restoreSnapshot(InputStream)}.
     *
     * @param in                the snapshot; not closed by this method
     * @param lastIncludedIndex the last log index the snapshot covers
     * @throws IOException if the stream cannot be read or is not a valid snapshot
     */
    default void restoreSnapshot(InputStream in, long lastIncludedIndex) throws IOException {
        restoreSnapshot(in);
    }

    /**
     * Returns the index of the last log entry whose effects this state machine's own stored state holds; the engine
     * asks once, when the node starts. A state machine that keeps its state on disk writes each entry's index
     * ({@link LogEntry#index()}, and the indexes given to {@link #skip(long)}) atomically with the changes the entry
     * made, so that a restarted member resumes from its own state and replays only the log after this index, instead
     * of restoring the newest snapshot. If the index is below the newest snapshot's (the state lost its newest
     * changes, say to a power failure), the engine restores the snapshot as for a state machine without storage.
     *
     * <p>The default, 0, is right for a state machine that holds its state in memory.
     *
     * @return the index, 0 if the state is empty
     */
    default long lastAppliedIndex() {
        return 0;
    }

    /**
     * Makes everything applied so far durable — on disk, surviving a power failure — and returns the applied index it
     * now holds ({@link #lastAppliedIndex()}), or -1 if this state machine keeps no state on disk (the default).
     *
     * <p>The engine asks once at start, and then instead of writing a full snapshot every few thousand entries it
     * takes a <em>checkpoint</em>: it calls this method, records the index, term and configuration in a small file,
     * and compacts its log behind that index; the state machine's own storage is the snapshot (thesis §5.2, as etcd
     * keeps its raft log short behind its bbolt backend). A full snapshot is then written from
     * {@link #openSnapshotView()} only when a follower needs one. An implementation must not return an index whose
     * changes a crash could still lose: the log before it is gone, and a restart that finds the state behind the
     * newest checkpoint refuses to start.
     *
     * @return the durable applied index, or -1 if the state is not kept on disk
     */
    default long persistApplied() {
        return -1;
    }

    /**
     * Tells the state machine that the engine applied the entry at {@code index} itself (a new leader's no-op or a
     * membership change), so that a state machine that records its applied index can record this one too. Called in
     * log order between {@link #apply(LogEntry)} calls. The default does nothing.
     *
     * @param index the entry's index
     */
    default void skip(long index) {
    }

    /**
     * Tells the state machine that the engine has applied a batch of committed entries (each through
     * {@link #apply(LogEntry)} or {@link #skip(long)}) and turns to other work next: reads, a checkpoint, or waiting
     * for more entries. A state machine that writes the changes of many entries to its storage in one batch, as etcd
     * commits its backend transaction once per batch of applied entries rather than once per entry, writes them now,
     * so its stored state is never more than one batch behind. Its answers to {@link #query(byte[])} and its
     * {@link #lastAppliedIndex()} at the next start must be right either way: a query sees every applied entry, and
     * what a crash loses before the write the log still holds. The default does nothing.
     */
    default void batchApplied() {
    }

    /**
     * Takes a point-in-time view of the state for a snapshot. Called on the apply thread, which waits for it, so it
     * must be quick (a backend's consistent read view, not a copy of the data); the engine then writes the view out
     * on another thread while applying goes on, and closes it.
     *
     * <p>The default returns null: the engine then writes the snapshot on the apply thread with
     * {@link #writeSnapshot(OutputStream)}, and applying waits for it.
     *
     * @return the view, or null if this state machine has none
     */
    default SnapshotView openSnapshotView() {
        return null;
    }

    /** A consistent view of a state machine's state at one applied index, written out off the apply thread. */
    interface SnapshotView extends AutoCloseable {

        /**
         * Writes the state as of the view, in the form {@link #restoreSnapshot(InputStream, long)} reads. Called once,
         * on a thread other than the apply thread, while applying goes on.
         *
         * @param out where to write; not closed by this method
         * @throws IOException if writing fails; the engine then keeps its log and tries again later
         */
        void writeTo(OutputStream out) throws IOException;

        /** Releases what the view pins (for example a backend's snapshot). Called once, after writing or instead. */
        @Override
        void close();
    }
}
