package io.flotilla.raft.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The application's replicated state, implemented by the application and driven by the engine.
 *
 * <p>The engine calls every method from one thread, the node's apply thread, never concurrently: an implementation
 * needs no locking for the engine's sake. {@link #apply(LogEntry)} must be deterministic — the same commands in the
 * same order must give every member the same state and the same results — or members will silently diverge.
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
     * Answers a read-only query against the current state. The engine calls it on the apply thread after the
     * consistency condition of the read (for example a linearizable read barrier) is met, so the query sees every
     * command applied up to then and no later one.
     *
     * @param query the application's query bytes
     * @return the answer
     */
    byte[] query(byte[] query);

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
}
