package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.StateMachine;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.core.protocol.MembershipCodec;
import io.flotilla.raft.core.protocol.SnapshotFormat;
import java.util.List;

/** Where a starting member's state machine resumes applying, from its own state, its snapshots and its log. */
final class Recovery {

    /** Entries read at a time when recovery scans the log: bounded, so a long log is never read whole. */
    private static final int RECOVERY_CHUNK_ENTRIES = 1024;
    private static final long RECOVERY_CHUNK_BYTES = 4L << 20;

    private Recovery() {
    }

    /**
     * Recovery (Raft §7; thesis §5.2 for a state machine kept on disk): brings the state machine to where applying
     * resumes. With S the newest valid snapshot and I = {@link StateMachine#lastAppliedIndex()}:
     * <ul>
     * <li>I &ge; S (or no S), and the log holds I: the state machine's own state is kept, no snapshot is restored;
     *     applying resumes after I and replays only the log's tail. The term at I comes from the log (S's if I is
     *     S's index), the configuration from the last configuration entry at or before I (else S's, else the initial
     *     one), found by reading the log in bounded chunks;</li>
     * <li>I &lt; S: the state machine lost its newest changes (or holds none, as one in memory): S is restored, as
     *     always, and the log after it replayed; unless S is a checkpoint, which holds no state: the start fails
     *     (the state machine lost what it had reported durable);</li>
     * <li>I beyond both the log and S: the state machine holds committed entries this member's log does not — it
     *     belongs to another data directory, or the log lost its tail — and the start fails naming both indexes.
     *     Going on would let this member vote and replicate as if it lacked entries its state machine has applied.
     *     (I beyond the log but equal to S is not an error: the state machine holds exactly the snapshot, which is
     *     restored over it, and the log reset to it, as after a crash between a snapshot install and the log reset;
     *     so is I between S and the log's start, left by a damaged newer snapshot: S is restored.)</li>
     * </ul>
     * Only committed entries are ever applied, so I is committed and the protocol's commit index may start there; the
     * protocol hands out entries from I + 1 and the applier skips none (both start at I).
     */
    static Applier.Start recover(NodeId self, LogStore store, StateMachine stateMachine,
                                         SnapshotFiles snapshots, SnapshotFormat.Header snapshot,
                                         MembershipCodec.Membership initial) {
        System.Logger log = System.getLogger(Recovery.class.getName());
        long applied = stateMachine.lastAppliedIndex();
        long first = store.firstIndex();
        long last = store.lastIndex();
        long snapshotIndex = snapshot == null ? 0 : snapshot.index();
        if (applied < 0) {
            throw new IllegalStateException(self + ": the state machine's lastAppliedIndex() is negative: " + applied);
        }
        boolean logHoldsApplied = first - 1 <= applied && applied <= last;
        // Where the log holds the snapshot's index it has the snapshot's term there (both are committed history);
        // if not, the log is not the one the state machine applied, and the snapshot path below sorts it out.
        boolean logAgreesWithSnapshot = snapshot == null || snapshotIndex < first - 1 || snapshotIndex > last
                || store.termAt(snapshotIndex) == snapshot.term();
        if (applied > 0 && applied >= snapshotIndex && logHoldsApplied && logAgreesWithSnapshot) {
            return resume(self, store, snapshot, initial, applied, log);
        }
        if (applied > last && applied > snapshotIndex) {
            throw new IllegalStateException(self + ": the state machine has applied up to index " + applied
                    + " but this member's log ends at index " + last + (snapshot == null ? " and it has no snapshot"
                    : " and its newest snapshot is at index " + snapshotIndex) + ": the state machine holds entries the"
                    + " log does not; is the data directory the right one for this state machine?");
        }
        if (snapshot == null) {
            if (applied > 0) {
                throw new IllegalStateException(self + ": the state machine has applied up to index " + applied
                        + " but this member's log starts at index " + first + " and there is no snapshot to replay"
                        + " from: the entries in between are gone");
            }
            return new Applier.Start(0, 0, initial, 0, 0);
        }
        if (snapshots.isCheckpoint(snapshot)) {
            // A checkpoint holds no state to restore: the state machine promised it was durable (persistApplied).
            throw new IllegalStateException(self + ": the state machine is at index " + applied + " but it reported "
                    + "the log up to index " + snapshotIndex + " durable (checkpoint " + snapshotIndex + "), and the "
                    + "log before that is compacted: the state machine's data is lost or not this member's; restore it"
                    + " from a backup, or remove the member and add it again with an empty data directory");
        }
        if (applied > snapshotIndex) {
            log.log(System.Logger.Level.WARNING, self + ": the state machine is at index " + applied + " but the log "
                    + "holds " + first + ".." + last + "; restoring the snapshot at " + snapshotIndex + " instead");
        } else if (applied > 0) {
            log.log(System.Logger.Level.INFO, self + ": the state machine is at index " + applied
                    + ", behind the snapshot at " + snapshotIndex + ": restoring the snapshot");
        }
        snapshots.restore(snapshot, stateMachine);
        boolean logCoversSnapshot = first - 1 <= snapshotIndex && snapshotIndex <= last
                && store.termAt(snapshotIndex) == snapshot.term();
        if (!logCoversSnapshot) {
            store.reset(snapshotIndex, snapshot.term()); // a crash came between snapshot and log reset
        }
        return new Applier.Start(snapshotIndex, snapshot.term(), snapshot.membership(), snapshotIndex, 0);
    }

    /** Resumes from the state machine's own index {@code applied}, which the log holds (see {@link #recover}). */
    private static Applier.Start resume(NodeId self, LogStore store, SnapshotFormat.Header snapshot,
                                        MembershipCodec.Membership initial, long applied, System.Logger log) {
        long snapshotIndex = snapshot == null ? 0 : snapshot.index();
        long term = snapshot != null && applied == snapshotIndex ? snapshot.term() : store.termAt(applied);
        // The configuration at the snapshot's index is in its header; after it, the log's entries decide. The same
        // scan adds up the payloads applied since the snapshot, which the size-ratio threshold counts.
        MembershipCodec.Membership membership = snapshot == null ? initial : snapshot.membership();
        long bytes = 0;
        for (long i = Math.max(store.firstIndex(), snapshotIndex + 1); i <= applied; ) {
            List<LogEntry> chunk = store.read(i, Math.min(applied + 1, i + RECOVERY_CHUNK_ENTRIES),
                    RECOVERY_CHUNK_BYTES);
            if (chunk.isEmpty()) {
                throw new IllegalStateException(self + ": the log returned no entry at index " + i);
            }
            for (LogEntry e : chunk) {
                if (e.kind() == io.flotilla.raft.api.EntryKind.CONFIGURATION) {
                    membership = MembershipCodec.decode(e.payload());
                }
                bytes += e.payload().length;
            }
            i += chunk.size();
        }
        log.log(System.Logger.Level.INFO, self + ": the state machine holds the log up to index " + applied
                + (snapshot == null ? "" : " (newest snapshot at " + snapshotIndex + ", not restored)")
                + "; " + (store.lastIndex() - applied) + " entries after it in the log, applied as they commit");
        return new Applier.Start(applied, term, membership, snapshotIndex, bytes);
    }
}
