package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.message.RaftMessage;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Carries out a protocol's {@link Ready} batches in the order that document prescribes. The one place that order is
 * written down in code: the runtime, the simulation and the test clusters all drive their protocol through it and
 * differ only in their {@link Host} — a real disk on a thread of its own, a simulated disk with latency, or a map in
 * memory written at once.
 *
 * <p>Writes may complete asynchronously (etcd raft's asynchronous storage writes; thesis §10.2.1): the protocol keeps
 * its unwritten entries in memory and counts them for itself only once the host reports them durable through
 * {@link #written}. Everything else the protocol asks for needs no disk and is carried out at once.
 *
 * <p>Not thread-safe: call it, and {@link #written}, on the thread that owns the protocol.
 */
public final class ReadyExecutor {

    /** What a member does with each kind of effect; see {@link Ready} for their meaning. */
    public interface Host {

        /**
         * Called with each batch before any of its effects (tests and traces record them here).
         *
         * @param ready the batch about to be carried out
         */
        default void carryingOut(Ready ready) {
        }

        /**
         * The configuration changed: every member's peer address (this member's included).
         *
         * @param peers the new address book
         */
        default void peersChanged(Map<NodeId, String> peers) {
        }

        /**
         * Puts a message on the wire now; it claims nothing that is not yet durable.
         *
         * @param message the message
         */
        void send(RaftMessage message);

        /**
         * Makes a write durable after every write handed over before it (writes complete in order). Once it is:
         * send {@link Write#after()}, then report it with {@link ReadyExecutor#written} on the protocol's thread.
         * A snapshot's last chunk is installed once durable (log reset to the snapshot, state machine restored, then
         * {@link RaftProtocol#snapshotInstalled}), or reported with {@link RaftProtocol#snapshotInstallFailed} if it
         * does not verify. A host may do all of this before returning.
         *
         * @param write the write
         */
        void persist(Write write);

        /**
         * A snapshot covers the log through this index: discard that prefix, after the writes handed over before
         * (never past the last entry written).
         *
         * @param throughIndex the snapshot's index
         */
        void compact(long throughIndex);

        /**
         * What became of proposals this member forwarded to the leader. Settle them before applying the entries
         * of the same batch: an entry may commit in the very batch that tells where it is.
         *
         * @param forwarded the outcome
         */
        void settle(Ready.Forwarded forwarded);

        /**
         * Applies committed, locally durable entries in order; report progress with {@link RaftProtocol#applied}.
         *
         * @param committed the entries, not empty
         */
        void apply(List<LogEntry> committed);

        /**
         * A read is confirmed: answer it once the state machine has applied its read index.
         *
         * @param read the read
         */
        void readReady(Ready.ReadReady read);

        /**
         * A read cannot be served here: fail it at once.
         *
         * @param read the read
         */
        void readFailed(Ready.ReadFailed read);
    }

    /**
     * One durable write and what waits for it.
     *
     * @param state   the new persistent state, or null if unchanged
     * @param entries entries to append (replacing any suffix from the first one's index); may be empty
     * @param chunks  snapshot chunks to write, in order, after the entries; may be empty
     * @param after   messages to send once this write and every earlier one is durable (votes, acknowledgements:
     *                Raft §5.1, Figure 2, "respond to RPCs only after updating stable storage")
     */
    public record Write(PersistentState state, List<LogEntry> entries, List<Ready.SnapshotChunk> chunks,
                        List<RaftMessage> after) {

        /** Returns whether the log store has anything to write (else only chunks or messages wait). */
        public boolean changesLog() {
            return state != null || !entries.isEmpty();
        }

        /** Returns the last entry written, or null if none. */
        public LogEntry lastEntry() {
            return entries.isEmpty() ? null : entries.get(entries.size() - 1);
        }
    }

    private final RaftProtocol protocol;
    private final Host host;

    /**
     * Creates the executor of one protocol.
     *
     * @param protocol the protocol whose batches to carry out
     * @param host     where the effects go
     */
    public ReadyExecutor(RaftProtocol protocol, Host host) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.host = Objects.requireNonNull(host, "host");
    }

    /** Carries out Ready batches until the protocol has nothing more to say. */
    public void drain() {
        for (Ready ready = protocol.ready(); !ready.isEmpty(); ready = protocol.ready()) {
            carryOut(ready);
        }
    }

    /**
     * Reports a write durable (its {@link Write#after()} messages already sent), so the protocol may count its entries
     * (a leader toward its own quorum, Raft §5.3) and hand them out for applying.
     *
     * @param write a write given to {@link Host#persist}, in the order given
     */
    public void written(Write write) {
        LogEntry last = write.lastEntry();
        if (last != null) {
            protocol.persisted(last.index(), last.term());
        }
    }

    private void carryOut(Ready ready) {
        host.carryingOut(ready);
        if (ready.peers() != null) {
            host.peersChanged(ready.peers());
        }
        // A leader's appends do not depend on its own disk: it counts itself only once persisted() says so.
        ready.sendNow().forEach(host::send);
        // Messages that wait for a write wait for every earlier one too: they go through the queue even without one.
        if (ready.needsWrite() || !ready.sendAfterPersist().isEmpty() || !ready.snapshotChunks().isEmpty()) {
            host.persist(new Write(ready.state(), ready.entriesToPersist(), ready.snapshotChunks(),
                    ready.sendAfterPersist()));
        }
        if (ready.compactThrough() > 0) {
            host.compact(ready.compactThrough());
        }
        ready.forwarded().forEach(host::settle);
        if (!ready.committed().isEmpty()) {
            host.apply(ready.committed());
        }
        ready.readsReady().forEach(host::readReady);
        ready.readsFailed().forEach(host::readFailed);
    }
}
