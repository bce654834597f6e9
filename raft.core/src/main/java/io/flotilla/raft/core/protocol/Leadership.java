package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.InstallSnapshotResponse;
import io.flotilla.raft.api.message.ProposeRequest;
import io.flotilla.raft.api.message.ProposeResponse;
import io.flotilla.raft.api.message.ReadIndexRequest;
import io.flotilla.raft.api.message.ReadIndexResponse;
import io.flotilla.raft.api.message.TimeoutNowRequest;

/**
 * The leader's role: its heartbeat timer and check-quorum (thesis §6.2), commitment by counting durable replicas
 * (Raft §5.4.2), linearizable reads (thesis §6.4 ReadIndex, §6.4.1 leases), leadership transfer (thesis §3.10), and
 * the proposals followers forward to it. What it sends each follower is {@link Replication}'s; membership changes
 * are {@link JointConsensus}'s.
 *
 * <p>Part of the pure protocol; its state means something only while the protocol leads.
 */
final class Leadership {

    private final RaftProtocol p;
    private final RaftOptions options;
    private int heartbeatElapsed;
    private NodeId transferTarget;
    private int transferElapsed;

    Leadership(RaftProtocol p, RaftOptions options) {
        this.p = p;
        this.options = options;
    }

    /** This member starts leading: heartbeats start over, no transfer is under way. */
    void start() {
        heartbeatElapsed = 0;
        transferTarget = null;
    }

    /** This member stops leading: a transfer under way ends with it. */
    void stop() {
        transferTarget = null;
    }

    /** {@return the member leadership is being handed to, or null} */
    NodeId transferTarget() {
        return transferTarget;
    }

    void tick() {
        heartbeatElapsed++;
        boolean checkQuorumDue = p.election.leaderTick();
        if (transferTarget != null && ++transferElapsed >= options.electionTimeoutMinTicks()) {
            transferTarget = null; // thesis §3.10: the target did not take over in time; resume leading
        }
        if (checkQuorumDue && options.checkQuorum() && !p.replication.quorumRecentlyActive(p.config)) {
            // Thesis §6.2: a leader cut off from a majority steps down, so clients stop waiting on it.
            p.becomeFollower(p.term, null);
            return;
        }
        if (heartbeatElapsed < options.heartbeatTicks()) {
            return;
        }
        heartbeatElapsed = 0;
        // A whole heartbeat interval without acknowledgement while appends are in flight: assume they were lost and
        // probe again from the last known match.
        p.replication.heartbeatIntervalEnded();
        if (p.compaction.wanted()) {
            p.compactLog(0); // a held-back compaction, once the transfer is done or its follower went silent
        }
        broadcastAppends(true);
    }

    /** Whether a read may be served under the lease now, without a round of heartbeats (thesis §6.4.1). */
    boolean leaseHolds() {
        if (!options.checkQuorum() || p.role != io.flotilla.raft.api.RaftRole.LEADER || transferTarget != null
                || !p.committedInCurrentTerm()) {
            return false;
        }
        // The latest moment by which a majority had heard from us: no other leader can exist before it plus the
        // shortest election timeout (they ignore candidates that long), less the clock-drift margin.
        long heardBy = Quorum.majorityValue(p.config, id -> id.equals(p.self) ? p.now
                : p.replication.leaseStart(id, p.reads.leaseMinRound()));
        return p.now < heardBy + options.leaseTicks();
    }

    /** Thesis §3.10: proposals stop; the target gets TimeoutNow once its log matches ours. */
    void transfer(NodeId target) {
        transferTarget = target;
        transferElapsed = 0;
        maybeSendTimeoutNow();
    }

    private void maybeSendTimeoutNow() {
        Progress pr = p.replication.get(transferTarget);
        if (pr != null && pr.matchIndex == p.log.lastIndex()) {
            p.sendNow.add(new TimeoutNowRequest(p.self, transferTarget, p.term));
            // The target may be elected without waiting out anyone's lease: stop trusting acknowledgements of
            // rounds started before now.
            p.reads.distrustRoundsSoFar();
        }
    }

    /** Sends each follower what it needs; with {@code heartbeat}, every follower gets at least an empty append. */
    void broadcastAppends(boolean heartbeat) {
        long round = p.reads.round();
        if (heartbeat) {
            round = p.reads.startRound(p.now);
        }
        p.replication.broadcast(heartbeat, round);
    }

    void handleAppendEntriesResponse(AppendEntriesResponse resp) {
        Progress pr = p.replication.heardFrom(resp.from());
        if (pr == null) {
            return;
        }
        if (resp.readRound() > pr.ackedReadRound) {
            pr.ackedReadRound = resp.readRound();
            pr.ackedRoundStartTick = p.reads.startTickOf(resp.readRound());
            confirmReads();
        }
        if (pr.mode == Progress.Mode.SNAPSHOT) {
            return; // only the snapshot transfer moves this follower on
        }
        if (resp.success()) {
            if (pr.acknowledged(resp.matchIndex())) {
                maybeCommit();
            }
            if (resp.from().equals(transferTarget)) {
                maybeSendTimeoutNow();
            }
            return;
        }
        p.replication.rejected(pr, resp);
    }

    void handleInstallSnapshotResponse(InstallSnapshotResponse resp) {
        if (p.replication.snapshotAnswered(resp)) {
            maybeCommit();
        }
    }

    void maybeCommit() {
        long quorumIndex = Quorum.majorityValue(p.config,
                id -> id.equals(p.self) ? p.log.durableIndex() : p.replication.matchOf(id));
        // Raft §5.4.2: only entries of the current term are committed by counting replicas; earlier ones follow.
        if (quorumIndex > p.commitIndex && p.log.termAt(quorumIndex) == p.term) {
            boolean first = !p.committedInCurrentTerm();
            p.commitIndex = quorumIndex;
            if (first) {
                p.reads.leaderCommittedInTerm(p.commitIndex);
                confirmReads();
            }
            p.joint.afterCommit();
        }
    }

    /**
     * Queues a read for its read index (thesis §6.4): the commit index, once a heartbeat round started after this
     * call is acknowledged by a majority — and once this leader has committed an entry of its term (step 1: only then
     * is its commit index known to be current; until then the read is parked).
     *
     * @param requester the follower that asked, or null for a read of this member
     * @param requestId the read's id
     */
    void readIndex(NodeId requester, long requestId) {
        p.reads.add(requester, requestId, p.commitIndex, p.committedInCurrentTerm());
        confirmReads();
    }

    void handleReadIndexRequest(ReadIndexRequest req) {
        readIndex(req.from(), req.requestId());
    }

    private void confirmReads() {
        p.reads.confirm(round -> p.replication.roundAcknowledged(p.config, round),
                pending -> {
                    if (pending.requester() == null) {
                        p.readsReady.add(new Ready.ReadReady(pending.requestId(), pending.readIndex()));
                    } else {
                        p.sendNow.add(new ReadIndexResponse(p.self, pending.requester(), p.term, pending.requestId(),
                                pending.readIndex(), true));
                    }
                });
    }

    /** Fails a read this leader can no longer confirm (it stepped down), pointing at the new leader if known. */
    void failRead(ReadIndexQueue.Pending pending, NodeId newLeader) {
        if (pending.requester() == null) {
            p.readsFailed.add(new Ready.ReadFailed(pending.requestId(), newLeader));
        } else {
            p.sendNow.add(new ReadIndexResponse(p.self, pending.requester(), p.term, pending.requestId(), 0, false));
        }
    }

    /** Appends a follower's forwarded commands, unless they are a repeat or this member cannot take them now. */
    void handleProposeRequest(ProposeRequest req) {
        if (!p.forwarding.admit(req.from(), req.session(), req.batchId())) {
            // A repeat (or a batch too old to tell from one): no answer. A refusal could overtake the answer to the
            // original and tell the follower "not appended" about appended commands; silence leaves the proposals
            // to their deadline, an unknown outcome.
            return;
        }
        if (transferTarget != null) {
            // Thesis §3.10: no new entries while leadership is being handed over. The batch counts as seen (admitted
            // above), so a repeat that arrives after an abandoned transfer is not appended behind this refusal.
            p.sendNow.add(new ProposeResponse(p.self, req.from(), p.term, req.session(), req.batchId(), 0, false));
            return;
        }
        long first = p.appendCommands(req.commands());
        // Sent before this batch's AppendEntries (added at ready()), so on an ordered transport the follower knows
        // where its proposals are before it can apply them.
        p.sendNow.add(new ProposeResponse(p.self, req.from(), p.term, req.session(), req.batchId(), first, true));
    }
}
