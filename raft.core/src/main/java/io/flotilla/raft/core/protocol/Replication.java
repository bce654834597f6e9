package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.InstallSnapshotRequest;
import io.flotilla.raft.api.message.InstallSnapshotResponse;
import io.flotilla.raft.api.message.RaftMessage;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A leader's side of log replication (Raft §5.3, §7): what it knows of each follower's log ({@link Progress}, the
 * progress tracker of etcd's raft) and what it sends each one — entries, empty appends carrying heartbeats, read
 * rounds and the commit index, or its snapshot when the entries are compacted away. It decides nothing about terms
 * or commitment: {@link Leadership} reads the match indexes it keeps and counts them.
 *
 * <p>Part of the pure protocol: no threads or I/O; messages go to the protocol's {@code sendNow} list.
 */
final class Replication {

    private final RaftProtocol protocol;
    private final NodeId self;
    private final RaftOptions options;
    private final RaftLog log;
    private final SnapshotSource snapshots;
    private final List<RaftMessage> sendNow;
    /** Per-follower state; a TreeMap so iteration, and so message order, is deterministic. */
    private final Map<NodeId, Progress> progress = new TreeMap<>();

    Replication(RaftProtocol protocol, NodeId self, RaftOptions options, RaftLog log, SnapshotSource snapshots,
                List<RaftMessage> sendNow) {
        this.protocol = protocol;
        this.self = self;
        this.options = options;
        this.log = log;
        this.snapshots = snapshots;
        this.sendNow = sendNow;
    }

    // ------------------------------------------------------------------------------------------------ tracking

    /** A new term of leadership: every other member is probed from {@code next} (Raft Figure 2: nextIndex). */
    void startTerm(ClusterConfiguration config, long next) {
        progress.clear();
        for (NodeId member : config.members()) {
            if (!member.equals(self)) {
                progress.put(member, new Progress(next));
            }
        }
    }

    /** Not leading any more: nothing is tracked. */
    void clear() {
        progress.clear();
    }

    /** Gives every member of the configuration a progress record, and drops those of removed members. */
    void sync(ClusterConfiguration config) {
        progress.keySet().removeIf(id -> !config.contains(id));
        for (NodeId member : config.members()) {
            if (!member.equals(self)) {
                progress.computeIfAbsent(member, id -> new Progress(log.lastIndex() + 1));
            }
        }
    }

    /** Returns a follower's progress, or null if it is not tracked. */
    Progress get(NodeId id) {
        return progress.get(id);
    }

    Collection<Progress> all() {
        return progress.values();
    }

    /** Returns the highest index known replicated on {@code id}, 0 if unknown. */
    long matchOf(NodeId id) {
        Progress pr = progress.get(id);
        return pr == null ? 0 : pr.matchIndex;
    }

    /** Records that a follower answered; returns its progress, or null if it is not tracked. */
    Progress heardFrom(NodeId id) {
        Progress pr = progress.get(id);
        if (pr != null) {
            pr.recentlyActive = true;
            pr.heardAt = protocol.now();
        }
        return pr;
    }

    /**
     * Whether a majority answered since the last call (thesis §6.2, check-quorum); starts the next period.
     */
    boolean quorumRecentlyActive(ClusterConfiguration config) {
        boolean active = Quorum.isMajority(config,
                id -> id.equals(self) || (progress.containsKey(id) && progress.get(id).recentlyActive));
        progress.values().forEach(pr -> pr.recentlyActive = false);
        return active;
    }

    /** Whether a majority (this leader included) acknowledged heartbeat round {@code round} or a later one. */
    boolean roundAcknowledged(ClusterConfiguration config, long round) {
        return Quorum.isMajority(config,
                id -> id.equals(self) || (progress.containsKey(id) && progress.get(id).ackedReadRound >= round));
    }

    /**
     * The tick at which {@code id} last heard from this leader, as far as a lease may count it: the start of the
     * newest round it acknowledged, unless that round is older than {@code minRound}.
     */
    long leaseStart(NodeId id, long minRound) {
        Progress pr = progress.get(id);
        return pr == null || pr.ackedReadRound < minRound ? Long.MIN_VALUE / 2 : pr.ackedRoundStartTick;
    }

    /**
     * The heartbeat interval is over: a follower that acknowledged nothing while appends were in flight to it is
     * assumed to have lost them and is probed again from its match.
     */
    void heartbeatIntervalEnded() {
        for (Progress pr : progress.values()) {
            if (pr.mode == Progress.Mode.REPLICATE && pr.inflightCount() > 0 && !pr.progressedSinceHeartbeat) {
                pr.probeFrom(pr.matchIndex + 1);
            }
            pr.progressedSinceHeartbeat = false;
            pr.probeSent = false;
        }
    }

    /**
     * Limits a log compaction through {@code through} so that it does not pass a snapshot being sent to a follower
     * that still answers (etcd pauses compaction the same way): the follower needs the entries after it, and a
     * transfer that outlasted every checkpoint interval would otherwise start over forever. One that stopped
     * answering holds nothing back.
     */
    long compactionLimit(long through) {
        long now = protocol.now();
        for (Progress pr : progress.values()) {
            if (pr.mode == Progress.Mode.SNAPSHOT && now - pr.heardAt <= options.electionTimeoutMaxTicks()) {
                through = Math.min(through, pr.snapshotIndex);
            }
        }
        return through;
    }

    // ---------------------------------------------------------------------------------------------- answers

    /**
     * A follower rejected an append (Raft §5.3): probe again below it, skipping the whole conflicting term when the
     * follower named it.
     */
    void rejected(Progress pr, AppendEntriesResponse resp) {
        long rejected = resp.matchIndex();
        if (rejected <= pr.matchIndex) {
            return; // a stale rejection, overtaken by a later success
        }
        long next = resp.conflictIndex();
        if (resp.conflictTerm() > 0) {
            long lastOfTerm = log.lastIndexWithTermAtMost(resp.conflictTerm(), log.lastIndex());
            if (log.termAt(lastOfTerm) == resp.conflictTerm()) {
                next = lastOfTerm + 1;
            }
        }
        // Retry strictly below the rejected index so every rejection makes progress.
        pr.probeFrom(Math.min(next, rejected));
    }

    /**
     * A follower answered a snapshot chunk: send the next one, or, once installed, continue from the log.
     *
     * @return whether the follower installed the snapshot (its match index moved)
     */
    boolean snapshotAnswered(InstallSnapshotResponse resp) {
        Progress pr = heardFrom(resp.from());
        if (pr == null || pr.mode != Progress.Mode.SNAPSHOT || resp.snapshotIndex() != pr.snapshotIndex) {
            return false;
        }
        if (resp.done()) {
            pr.snapshotInstalled(resp.snapshotIndex());
            return true;
        }
        pr.snapshotOffset = resp.nextOffset();
        sendSnapshotChunk(resp.from(), pr);
        return false;
    }

    // ------------------------------------------------------------------------------------------------ sending

    /** Sends each follower what it needs; with {@code heartbeat}, every follower gets at least an empty append. */
    void broadcast(boolean heartbeat, long round) {
        for (Map.Entry<NodeId, Progress> e : progress.entrySet()) {
            sendAppends(e.getKey(), e.getValue(), heartbeat, round);
            sendCommitIfBehind(e.getKey(), e.getValue(), round);
        }
    }

    /**
     * Tells a follower a new commit index right away when nothing else is going to it, as etcd does, so it applies
     * (and answers follower reads) without waiting for the next heartbeat. Under load appends carry it anyway.
     */
    private void sendCommitIfBehind(NodeId to, Progress pr, long round) {
        if (pr.mode != Progress.Mode.SNAPSHOT && Math.min(protocol.commitIndex(), pr.matchIndex) > pr.commitSent) {
            sendEmptyAppend(to, pr, round);
        }
    }

    /**
     * Sends an empty append at the follower's matchIndex, where its log matches ours so it is always accepted,
     * carrying as much of the commit index as the follower holds. Returns false (sending nothing) if that entry has
     * been compacted away.
     */
    private boolean sendEmptyAppend(NodeId to, Progress pr, long round) {
        long prev = pr.matchIndex;
        long prevTerm = log.termAt(prev);
        if (prevTerm < 0) {
            return false;
        }
        long commit = Math.min(protocol.commitIndex(), prev);
        sendNow.add(new AppendEntriesRequest(self, to, protocol.term(), prev, prevTerm, List.of(), commit, round));
        pr.commitSent = Math.max(pr.commitSent, commit);
        return true;
    }

    private void sendAppends(NodeId to, Progress pr, boolean heartbeat, long round) {
        if (pr.mode == Progress.Mode.SNAPSHOT) {
            // Resend the chunk in flight only once it has gone unanswered for an election timeout: it may have been
            // lost, but resending a large chunk every heartbeat to a slow follower would pile up in the transport.
            if (heartbeat && protocol.now() - pr.snapshotChunkSentAt >= options.electionTimeoutMinTicks()) {
                sendSnapshotChunk(to, pr);
            }
            return;
        }
        boolean sent = false;
        if (pr.mode == Progress.Mode.PROBE) {
            if (!pr.probeSent || heartbeat) {
                sendAppend(to, pr, round);
                sent = true;
            }
        } else {
            // Stop when the window is full, the follower has everything, or it switched to receiving a snapshot.
            while (pr.mode == Progress.Mode.REPLICATE && !pr.windowFull(options.maxInflightAppends())
                    && pr.nextIndex <= log.lastIndex()) {
                if (!sendAppend(to, pr, round)) {
                    break; // compacted away and no snapshot to send yet: asked for, retried at the next heartbeat
                }
                sent = true;
            }
        }
        if (heartbeat && !sent && pr.mode != Progress.Mode.SNAPSHOT && !sendEmptyAppend(to, pr, round)) {
            startSnapshot(to, pr);
        }
    }

    /** Sends the entries from the follower's nextIndex; false if they are compacted away and no snapshot went. */
    private boolean sendAppend(NodeId to, Progress pr, long round) {
        long prev = pr.nextIndex - 1;
        long prevTerm = log.termAt(prev);
        if (prevTerm < 0) {
            startSnapshot(to, pr); // Raft §7: the entries it needs are compacted away
            return pr.mode == Progress.Mode.SNAPSHOT;
        }
        long commitIndex = protocol.commitIndex();
        long to1 = Math.min(log.lastIndex() + 1, pr.nextIndex + options.maxEntriesPerMessage());
        List<LogEntry> entries = pr.nextIndex < to1
                ? log.entries(pr.nextIndex, to1, options.maxBytesPerMessage())
                : List.of();
        sendNow.add(new AppendEntriesRequest(self, to, protocol.term(), prev, prevTerm, entries, commitIndex, round));
        pr.commitSent = Math.max(pr.commitSent, Math.min(commitIndex, prev + entries.size()));
        pr.sent(prev + entries.size());
        return true;
    }

    private void startSnapshot(NodeId to, Progress pr) {
        SnapshotFormat.Header latest = snapshots.latest();
        long needed = log.firstIndex() - 1;
        if (latest == null || latest.index() < needed) {
            // Behind a checkpoint the log may start after the newest snapshot (SnapshotSource#request): one must be
            // written for this follower, which costs the whole state, so only for a follower that answers. A member
            // that is down is sent a bare heartbeat at the log's start instead, which it answers once it is back.
            if (protocol.now() - pr.heardAt <= options.electionTimeoutMaxTicks()) {
                snapshots.request(needed);
            } else if (!pr.probeSent) {
                sendNow.add(new AppendEntriesRequest(self, to, protocol.term(), needed, log.termAt(needed), List.of(),
                        Math.min(protocol.commitIndex(), needed), 0));
                pr.probeSent = true;
            }
            return;
        }
        pr.sendSnapshot(latest.index());
        sendSnapshotChunk(to, pr);
    }

    /** The newest snapshot if the log still continues it (see {@link #startSnapshot}), else null. */
    private SnapshotFormat.Header usableSnapshot() {
        SnapshotFormat.Header latest = snapshots.latest();
        return latest == null || latest.index() < log.firstIndex() - 1 ? null : latest;
    }

    private void sendSnapshotChunk(NodeId to, Progress pr) {
        SnapshotFormat.Header latest = usableSnapshot();
        if (latest == null) {
            // The log moved past the snapshot being sent (a checkpoint): start over, asking for a newer one.
            pr.probeFrom(pr.matchIndex + 1);
            return;
        }
        if (latest.index() != pr.snapshotIndex) {
            pr.sendSnapshot(latest.index()); // a newer snapshot replaced the one being sent: start over with it
        }
        int max = (int) Math.min(Integer.MAX_VALUE - 64, options.maxBytesPerMessage());
        byte[] data = snapshots.read(latest.index(), pr.snapshotOffset, max);
        if (data == null) {
            return;
        }
        boolean last = pr.snapshotOffset + data.length >= latest.size();
        pr.snapshotChunkSentAt = protocol.now();
        sendNow.add(new InstallSnapshotRequest(self, to, protocol.term(), latest.index(), latest.term(),
                latest.membership().config(), pr.snapshotOffset, data, last));
    }
}
