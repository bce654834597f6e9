package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.InstallSnapshotRequest;
import io.flotilla.raft.api.message.InstallSnapshotResponse;
import io.flotilla.raft.api.message.ProposeResponse;
import io.flotilla.raft.api.message.RaftMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * The follower's side of the protocol: accepting a leader of the current term, appending what it sends (Raft §5.3,
 * with the conflict hint of §5.3's optimization), the commit index it reports, its snapshots (§7, through the
 * {@link SnapshotReceiver}), and the proposals this member forwards to it (etcd raft's MsgProp).
 *
 * <p>Part of the pure protocol: answers go to the protocol's outgoing lists, after or before the next write as each
 * one's promise requires.
 */
final class Following {

    private final RaftProtocol p;

    Following(RaftProtocol p) {
        this.p = p;
    }

    /** A message only a leader of our term sends: follow it, and restart the election timer. */
    private void acceptLeader(RaftMessage m) {
        if (p.role == RaftRole.LEADER) {
            throw new IllegalStateException(p.self + " is leader of term " + p.term + " and got "
                    + m.getClass().getSimpleName() + " from " + m.from() + " in the same term: Election Safety violated");
        }
        if (p.role != RaftRole.FOLLOWER) {
            p.becomeFollower(p.term, m.from());
        }
        p.leader = m.from();
        p.election.leaderHeard();
    }

    void handleAppendEntries(AppendEntriesRequest req) {
        acceptLeader(req);
        if (p.receiver.installing()) {
            return; // a snapshot is being installed; the log is about to be replaced, the leader will retry
        }

        if (req.prevLogIndex() < p.commitIndex) {
            // Everything up to our commit index is committed, so it matches the leader; tell it where to continue.
            reply(req, true, p.commitIndex, 0, 0);
            return;
        }
        if (!p.log.matches(req.prevLogIndex(), req.prevLogTerm())) {
            rejectWithHint(req);
            return;
        }
        appendNewEntries(req.entries());
        long lastNew = req.prevLogIndex() + req.entries().size();
        // Figure 2: commitIndex = min(leaderCommit, index of last new entry) — not our last index, whose tail beyond
        // lastNew is not yet known to match the leader.
        if (req.leaderCommit() > p.commitIndex) {
            p.commitIndex = Math.max(p.commitIndex, Math.min(req.leaderCommit(), lastNew));
        }
        reply(req, true, lastNew, 0, 0);
    }

    /** Raft §5.3: skip entries we already hold; at the first conflict drop our suffix and append the rest. */
    private void appendNewEntries(List<LogEntry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            LogEntry e = entries.get(i);
            if (e.index() <= p.log.lastIndex() && p.log.termAt(e.index()) == e.term()) {
                continue;
            }
            if (e.index() <= p.commitIndex) {
                throw new IllegalStateException(p.self + ": leader " + p.leader + " would overwrite committed index "
                        + e.index() + " (commit " + p.commitIndex + "): Leader Completeness violated");
            }
            p.appendToLog(entries.subList(i, entries.size()));
            return;
        }
    }

    private void rejectWithHint(AppendEntriesRequest req) {
        long conflictIndex;
        long conflictTerm;
        if (req.prevLogIndex() > p.log.lastIndex()) {
            conflictIndex = p.log.lastIndex() + 1;
            conflictTerm = 0;
        } else {
            conflictTerm = p.log.termAt(req.prevLogIndex());
            conflictIndex = p.log.firstIndexWithTermAtLeast(conflictTerm, req.prevLogIndex());
        }
        reply(req, false, req.prevLogIndex(), conflictIndex, conflictTerm);
    }

    private void reply(AppendEntriesRequest req, boolean success, long index, long conflictIndex, long conflictTerm) {
        AppendEntriesResponse resp = new AppendEntriesResponse(p.self, req.from(), p.term, success, index,
                conflictIndex, conflictTerm, req.readRound());
        // An acknowledgement of an empty append (a heartbeat, a read round, a commit notice) that claims no entry beyond
        // what is durable here goes out at once instead of queueing behind this member's pending writes (etcd answers
        // heartbeats the same way), so read rounds and leases do not wait for a follower's disk. It promises nothing a
        // crash could take back: the match it reports is durable, and this member casts no vote by it. A step that
        // changed the term still waits for its write, to keep the argument short. Everything else waits for the disk
        // (Raft §5.1, Figure 2: respond to RPCs only after updating stable storage).
        boolean promisesNothingNew = success && req.entries().isEmpty() && index <= p.log.durableIndex()
                && !p.stateDirty;
        (promisesNothingNew ? p.sendNow : p.sendAfterPersist).add(resp);
    }

    void handleInstallSnapshot(InstallSnapshotRequest req) {
        acceptLeader(req);
        if (req.snapshotIndex() <= p.commitIndex) {
            // We already hold everything it covers.
            p.sendAfterPersist.add(new InstallSnapshotResponse(p.self, req.from(), p.term, req.snapshotIndex(), 0,
                    true));
            return;
        }
        p.receiver.receive(req, p.self, p.term, p.sendNow, p.sendAfterPersist);
    }

    /**
     * Sends the proposals queued since the last call to the leader. Every way out of following a leader (a new term,
     * a campaign) refuses the queue first (see {@link ProposalForwarding#leaderChanged}), so a non-empty queue means
     * this member still follows the leader it queued them for.
     */
    void forwardProposals() {
        if (!p.forwarding.hasQueued()) {
            return;
        }
        if (p.role != RaftRole.FOLLOWER || p.leader == null) {
            throw new IllegalStateException(p.self + " holds proposals for a leader it no longer follows (" + p.role
                    + ", leader " + p.leader + ")");
        }
        p.sendNow.addAll(p.forwarding.send(p.self, p.leader, p.term, p.options.maxEntriesPerMessage(),
                p.options.maxBytesPerMessage(), p.forwardOutcomes));
    }

    /** Where the leader put (or whether it refused) a batch this member forwarded. */
    void handleProposeResponse(ProposeResponse resp) {
        ProposalForwarding.Outcome outcome =
                p.forwarding.answered(resp.session(), resp.batchId(), resp.accepted(), resp.firstIndex(), resp.term());
        if (outcome != null) {
            p.forwardOutcomes.add(outcome);
        }
    }

    /** {@return what became of forwarded proposals since the last call, for the next Ready} */
    List<Ready.Forwarded> takeForwarded() {
        if (p.forwardOutcomes.isEmpty()) {
            return List.of();
        }
        List<Ready.Forwarded> out = new ArrayList<>(p.forwardOutcomes.size());
        for (ProposalForwarding.Outcome o : p.forwardOutcomes) {
            out.add(new Ready.Forwarded(o.ids(), o.placed(), o.firstIndex(), o.term(), o.placed() ? null : p.leader,
                    o.outcomeUnknown()));
        }
        p.forwardOutcomes.clear();
        return out;
    }
}
