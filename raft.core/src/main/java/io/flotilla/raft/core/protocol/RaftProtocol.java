package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.InstallSnapshotRequest;
import io.flotilla.raft.api.message.InstallSnapshotResponse;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.ProposeRequest;
import io.flotilla.raft.api.message.ProposeResponse;
import io.flotilla.raft.api.message.ReadIndexRequest;
import io.flotilla.raft.api.message.ReadIndexResponse;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import io.flotilla.raft.api.message.TimeoutNowRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol for one member, as a pure, deterministic state machine: no threads, clocks, sockets or files.
 *
 * <p>Inputs are method calls — {@link #tick()}, {@link #step(RaftMessage)}, {@link #propose(byte[])} (or
 * {@link #proposeOrForward(long, byte[])}, which forwards from a follower),
 * {@link #readIndex(long)}, and the runtime's acknowledgements {@link #persisted(long, long)} and
 * {@link #applied(long)}. Outputs accumulate and are collected with {@link #ready()}, a {@link Ready} batch whose
 * documentation fixes the order the runtime must follow. Randomness (election timeouts) comes from the injected
 * generator, so a seeded generator replays the same run exactly.
 *
 * <p>This class holds the state all roles share (Raft's persistent state, role, leader, commit index, configuration,
 * the effects collected for the next {@link Ready}), takes the inputs, applies the term rules of Raft §5.1 and
 * changes roles. What each role does lives in its own class: {@link Election} (timers, pre-vote, candidacy, votes),
 * {@link Following} (appending what a leader sends, forwarding proposals to it), {@link Leadership} (heartbeats,
 * commitment, reads, transfer), {@link JointConsensus} (membership changes), {@link Replication} (the progress
 * tracker and what the leader sends each follower), {@link ReadIndexQueue}, {@link SnapshotReceiver},
 * {@link ApplyWindow} (which committed entries go to the state machine) and {@link LogCompaction}.
 *
 * <p>Not thread-safe: one thread (the runtime's event loop, or the simulator) drives it.
 */
public final class RaftProtocol {

    // The state every role reads and changes. Package-private: the roles (Election, Following, Leadership,
    // JointConsensus) are parts of this one state machine, driven by the same single thread.
    final NodeId self;
    final RaftOptions options;
    final RaftLog log;
    final MembershipLog membership;
    /** The configuration in force: the latest in the log, committed or not (Raft §6). */
    ClusterConfiguration config;
    private boolean peersChanged;

    // Persistent state (Raft Figure 2), and whether it changed since the last Ready.
    long term;
    NodeId votedFor;
    boolean stateDirty;

    RaftRole role = RaftRole.FOLLOWER;
    NodeId leader;
    long commitIndex;
    /** Which committed entries go to the state machine next. */
    private final ApplyWindow applying;
    /** Ticks since this protocol instance started: the only clock it knows. */
    long now;

    // The roles' behaviour and state.
    final Election election;
    final Following following = new Following(this);
    final Leadership leadership;
    final JointConsensus joint = new JointConsensus(this);
    /** A leader's replication to each follower (its progress tracker). */
    final Replication replication;
    /** A leader's reads waiting for their heartbeat round (thesis §6.4). */
    final ReadIndexQueue reads = new ReadIndexQueue();
    /** Reads this follower forwards to the leader for their read index. */
    private final ReadForwarding readForwarding = new ReadForwarding();
    /** A snapshot being received from the leader. */
    final SnapshotReceiver receiver = new SnapshotReceiver();
    final ProposalForwarding forwarding;
    final LogCompaction compaction;

    // Effects collected for the next Ready.
    final List<Ready.ReadReady> readsReady = new ArrayList<>();
    final List<Ready.ReadFailed> readsFailed = new ArrayList<>();
    final List<ProposalForwarding.Outcome> forwardOutcomes = new ArrayList<>();
    final List<RaftMessage> sendNow = new ArrayList<>();
    final List<RaftMessage> sendAfterPersist = new ArrayList<>();

    /**
     * Creates the protocol for a member, recovering from what its log store holds.
     *
     * @param self         this member
     * @param config       the cluster configuration
     * @param options      timing and batching options
     * @param stable       the durable log, read-only
     * @param state        the persistent state recovered from the store
     * @param appliedIndex the index the state machine already reflects (0 for a fresh one); commit starts there
     * @param random       source of election-timeout randomness; seed it for a reproducible run
     */
    public RaftProtocol(NodeId self, ClusterConfiguration config, RaftOptions options, StableLog stable,
                        PersistentState state, long appliedIndex, RandomGenerator random) {
        this(self, config, Map.of(), options, stable, state, null, appliedIndex, SnapshotSource.NONE, random);
    }

    /**
     * Creates the protocol for a member whose state machine already holds the log up to {@code appliedIndex}: one that
     * keeps its state on disk and resumed from it (thesis §5.2), which may be beyond the newest snapshot. Only
     * committed entries are ever applied, so the commit index starts there too, and the first entry handed out for
     * applying is the next one.
     *
     * @param self         this member
     * @param config       the initial configuration; configuration entries in the log and the snapshot take
     *                     precedence
     * @param addresses    peer address of each initial member
     * @param options      timing, batching and snapshot options
     * @param stable       the durable log, read-only
     * @param state        the persistent state recovered from the store
     * @param recovered    the newest snapshot, or null; its configuration is the base the log's configurations follow
     * @param appliedIndex what the state machine holds: at least {@code recovered}'s index, and an index the log
     *                     holds ({@code firstIndex() - 1} to {@code lastIndex()}) unless it is {@code recovered}'s
     * @param snapshots    the member's snapshots, to send to followers that need them
     * @param random       source of election-timeout randomness; seed it for a reproducible run
     * @throws IllegalArgumentException if {@code appliedIndex} is below the snapshot or outside the log
     */
    public RaftProtocol(NodeId self, ClusterConfiguration config, Map<NodeId, String> addresses, RaftOptions options,
                        StableLog stable, PersistentState state, SnapshotFormat.Header recovered, long appliedIndex,
                        SnapshotSource snapshots, RandomGenerator random) {
        long snapshotIndex = recovered == null ? 0 : recovered.index();
        if (appliedIndex < snapshotIndex || (appliedIndex != snapshotIndex
                && (appliedIndex < stable.firstIndex() - 1 || appliedIndex > stable.lastIndex()))) {
            throw new IllegalArgumentException(self + ": applied index " + appliedIndex + " is below the snapshot at "
                    + snapshotIndex + " or outside the log " + stable.firstIndex() + ".." + stable.lastIndex());
        }
        this.self = self;
        this.options = options;
        this.forwarding = new ProposalForwarding(random::nextLong);
        this.log = new RaftLog(stable);
        this.replication = new Replication(this, self, options, log, snapshots, sendNow);
        this.membership = recovered == null
                ? new MembershipLog(0, new MembershipCodec.Membership(config, addresses))
                : new MembershipLog(recovered.index(), recovered.membership());
        // Recover the configuration from the log: the latest configuration entry wins (Raft §6).
        for (long i = log.firstIndex(); i <= log.lastIndex(); ) {
            List<LogEntry> chunk = log.entries(i, log.lastIndex() + 1, 4L << 20);
            membership.appended(chunk);
            i += chunk.size();
        }
        this.config = membership.current().config();
        this.peersChanged = true;
        this.term = state.term();
        this.votedFor = state.votedFor();
        this.election = new Election(this, options, random, state.term() > 0);
        this.leadership = new Leadership(this, options);
        this.commitIndex = appliedIndex;
        this.applying = new ApplyWindow(appliedIndex);
        this.compaction = new LogCompaction(options, log, membership, replication);
        election.resetTimer();
    }

    // ---------------------------------------------------------------------------------------------------- inputs

    /**
     * Advances the clock by {@code ticks} at once, after the runtime was stalled (GC pause, slow disk). Time must not
     * be lost: a leader that undercounts it would trust an expired lease. Timers fire as if ticked one by one, up to
     * the point where every timer has fired; beyond it only the clock moves.
     *
     * @param ticks how many ticks passed, 0 or more
     */
    public void tick(long ticks) {
        long stepwise = Math.min(ticks, options.electionTimeoutMaxTicks() + options.heartbeatTicks() + 1L);
        for (long i = 0; i < stepwise; i++) {
            tick();
        }
        now += ticks - stepwise;
    }

    /** Advances the protocol's clock by one tick: drives election timeouts and heartbeats. */
    public void tick() {
        now++;
        forwarding.expire(now, forwardOutcomes);
        if (role == RaftRole.LEADER) {
            leadership.tick();
        } else {
            election.tick();
        }
    }

    /**
     * Handles a message from a peer.
     *
     * @param m the message, addressed to this member
     */
    public void step(RaftMessage m) {
        if (m instanceof ProposeResponse resp && resp.term() < term) {
            // Where a since-deposed leader put our commands is still true: they may commit under the next leader.
            following.handleProposeResponse(resp);
            return;
        }
        if (m.term() > term) {
            if (m instanceof RequestVoteRequest req && !req.transfer() && election.inLease()) {
                // Thesis §4.2.3: while we hear from a leader, a vote request (or pre-vote) must not disturb us —
                // not even raise our term. This is what keeps removed or partitioned members from deposing it.
                return;
            }
            if (m instanceof RequestVoteRequest req && req.preVote()) {
                election.handlePreVote(req); // a pre-vote changes no one's term
                return;
            }
            boolean grantedPreVote = m instanceof RequestVoteResponse resp && resp.preVote() && resp.granted();
            if (!grantedPreVote) {
                // Raft §5.1: a higher term means this member is out of date; adopt the term and follow.
                becomeFollower(m.term(), sentByLeader(m) ? m.from() : null);
            }
        } else if (m.term() < term) {
            rejectStale(m);
            return;
        }
        boolean leading = role == RaftRole.LEADER;
        if (m instanceof AppendEntriesRequest req) {
            following.handleAppendEntries(req);
        } else if (m instanceof AppendEntriesResponse resp) {
            if (leading) {
                leadership.handleAppendEntriesResponse(resp);
            }
        } else if (m instanceof RequestVoteRequest req) {
            if (req.preVote()) {
                election.handlePreVote(req);
            } else {
                election.handleRequestVote(req);
            }
        } else if (m instanceof RequestVoteResponse resp) {
            election.handleRequestVoteResponse(resp);
        } else if (m instanceof TimeoutNowRequest req) {
            election.handleTimeoutNow(req);
        } else if (m instanceof ReadIndexRequest req) {
            if (leading) {
                leadership.handleReadIndexRequest(req);
            } else {
                sendNow.add(new ReadIndexResponse(self, req.from(), term, req.requestId(), 0, false));
            }
        } else if (m instanceof ReadIndexResponse resp) {
            readForwarding.answered(resp, leader, readsReady, readsFailed);
        } else if (m instanceof ProposeRequest req) {
            if (leading) {
                leadership.handleProposeRequest(req);
            } else {
                refuseForwardedProposals(req);
            }
        } else if (m instanceof ProposeResponse resp) {
            following.handleProposeResponse(resp);
        } else if (m instanceof InstallSnapshotRequest req) {
            following.handleInstallSnapshot(req);
        } else if (m instanceof InstallSnapshotResponse resp) {
            if (leading) {
                leadership.handleInstallSnapshotResponse(resp);
            }
        }
    }

    /** A member that does not lead got a follower's forwarded proposals. */
    private void refuseForwardedProposals(ProposeRequest req) {
        // A refusal promises that the commands were never appended. This member knows that only if another member
        // leads this term (one leader per term, §5.2). Otherwise it may itself have led this term and appended this
        // very batch before stepping down or restarting (a repeat delivered late): no answer, and the follower's
        // proposals end at their deadline, outcome unknown.
        if (leader != null && !leader.equals(self)) {
            sendNow.add(new ProposeResponse(self, req.from(), term, req.session(), req.batchId(), 0, false));
        }
    }

    /**
     * Records that the state machine wrote a durable snapshot covering the log up to {@code snapshotIndex}: the log is
     * compacted behind it, keeping {@link RaftOptions#snapshotKeepTailEntries()} entries for slow followers (Raft §7).
     *
     * @param snapshotIndex the snapshot's last included index (at most the applied index)
     */
    public void compactLog(long snapshotIndex) {
        compaction.snapshotTaken(snapshotIndex, applying.applied());
    }

    /**
     * Acknowledges that the snapshot received from the leader is durable, the log store was reset to end at its index
     * and the state machine restored from it (or will be, before any later entry is applied).
     *
     * @param index      the snapshot's last included index
     * @param term       the term of that entry
     * @param membership the configuration recorded in the snapshot
     */
    public void snapshotInstalled(long index, long term, MembershipCodec.Membership membership) {
        log.reset(index);
        this.membership.reset(index, membership); // the discarded log's configurations go with it
        refreshConfiguration();
        commitIndex = Math.max(commitIndex, index);
        applying.installed(index);
        NodeId from = receiver.installed();
        if (from != null) {
            sendNow.add(new InstallSnapshotResponse(self, from, this.term, index, 0, true));
        }
    }

    /** The received snapshot could not be installed (e.g. it failed its checksum): receive it again from the start. */
    public void snapshotInstallFailed() {
        receiver.failed();
    }

    /**
     * Appends a command to the log if this member leads.
     *
     * @param command the command bytes
     * @return the entry's index and term, or a refusal naming the known leader
     */
    public ProposalResult propose(byte[] command) {
        if (role != RaftRole.LEADER) {
            return ProposalResult.notLeader(leader);
        }
        if (leadership.transferTarget() != null) {
            // Thesis §3.10: stop accepting proposals so the target can catch up; point clients at it.
            return ProposalResult.notLeader(leadership.transferTarget());
        }
        // No commit check here: appending a command changes neither the durable index nor the quorum; commitment
        // follows persisted() and the followers' acknowledgements.
        return ProposalResult.accepted(appendCommands(List.of(command)), term);
    }

    /**
     * Appends a command if this member leads, as {@link #propose(byte[])}; on a follower that knows the leader, queues
     * it for the leader instead (etcd raft's MsgProp): every proposal queued until the next {@link #ready()} goes in
     * one {@link ProposeRequest}, and a later {@link Ready#forwarded()} tells what became of it — placed at an index
     * and term (the caller then waits for that entry to be applied here) or refused (certainly not appended). A
     * batch can also go unanswered (a lost message, a crashed leader): the caller's deadline ends it, outcome
     * unknown.
     *
     * @param proposalId the caller's id for the proposal, echoed in {@link Ready#forwarded()}
     * @param command    the command bytes
     * @return accepted (index and term), forwarded, or refused (no leader known, or a leadership transfer is under way)
     */
    public ProposalResult proposeOrForward(long proposalId, byte[] command) {
        if (role == RaftRole.LEADER || leader == null) {
            return propose(command);
        }
        forwarding.queue(proposalId, command);
        return ProposalResult.toLeader(leader);
    }

    /**
     * Proposes a new membership (Raft §6). A change of voters goes through a joint configuration
     * (C<sub>old,new</sub>): decisions need majorities of both old and new voters until the leader, once the joint
     * entry commits, appends the new configuration on its own. A change of learners only is a single step. One change
     * at a time; a learner can be promoted only once its log has nearly caught up with the leader's.
     *
     * @param voters    the voters wanted, with their peer addresses
     * @param learners  the learners wanted, with their peer addresses
     * @return the index and term of the first configuration entry, or a refusal naming the leader
     * @throws IllegalStateException    if a change is already under way, or a promoted learner lags behind
     * @throws IllegalArgumentException if the configuration is invalid (no voters, a member both voter and learner)
     */
    public ProposalResult proposeMembership(Map<NodeId, String> voters, Map<NodeId, String> learners) {
        if (role != RaftRole.LEADER) {
            return ProposalResult.notLeader(leader);
        }
        if (leadership.transferTarget() != null) {
            return ProposalResult.notLeader(leadership.transferTarget());
        }
        long index = joint.propose(voters, learners);
        return ProposalResult.accepted(index, term);
    }

    /**
     * Asks for a linearizable read index (Raft thesis §6.4). The answer comes in a later {@link Ready}: ready once a
     * heartbeat round has confirmed leadership, or failed if this member is not (or stops being) the leader.
     *
     * @param requestId the caller's id for the read, echoed in the answer
     */
    public void readIndex(long requestId) {
        if (role == RaftRole.LEADER) {
            leadership.readIndex(null, requestId);
        } else if (leader != null) {
            readForwarding.queue(requestId);
        } else {
            readsFailed.add(new Ready.ReadFailed(requestId, null));
        }
    }

    /**
     * Asks for a read served under the leader's lease (thesis §6.4.1): answered at once, with no round trip, if this
     * member leads and a majority acknowledged heartbeats it started less than {@link RaftOptions#leaseTicks()} ago;
     * otherwise handled as {@link #readIndex(long)}. Safe only while clock rates differ by less than
     * {@link RaftOptions#clockDriftBoundPercent()}.
     *
     * @param requestId the caller's id for the read
     */
    public void leaseRead(long requestId) {
        if (leadership.leaseHolds()) {
            readsReady.add(new Ready.ReadReady(requestId, commitIndex));
        } else {
            readIndex(requestId);
        }
    }

    /**
     * Starts handing leadership to {@code target} (thesis §3.10). Proposals are refused until the transfer ends; the
     * target gets TimeoutNow as soon as its log matches ours; the transfer is abandoned after an election timeout.
     *
     * @param target a voter
     * @return false if this member is not the leader
     * @throws IllegalArgumentException if the target is not a voter
     */
    public boolean transferLeadership(NodeId target) {
        if (role != RaftRole.LEADER) {
            return false;
        }
        if (!config.isVoter(target)) {
            throw new IllegalArgumentException(target + " is not a voter of " + config);
        }
        if (!target.equals(self)) {
            leadership.transfer(target);
        }
        return true;
    }

    /**
     * Acknowledges that the write ending with entry {@code (index, term)} is durable.
     *
     * @param index last index written
     * @param term  its term
     */
    public void persisted(long index, long term) {
        log.persisted(index, term);
        if (role == RaftRole.LEADER) {
            leadership.maybeCommit();
        }
    }

    /**
     * Acknowledges that the state machine has applied up to {@code index}, which lets more committed entries be
     * handed out (the apply backlog is bounded).
     *
     * @param index the last applied index
     */
    public void applied(long index) {
        applying.applied(index);
    }

    /**
     * Collects the effects accumulated since the last call. See {@link Ready} for the order in which to carry them out.
     *
     * @return the batch; {@link Ready#isEmpty()} if there is nothing to do
     */
    public Ready ready() {
        following.forwardProposals();
        if (role == RaftRole.LEADER) {
            leadership.broadcastAppends(reads.broadcastRequested());
        }
        readForwarding.send(self, leader, term, role == RaftRole.LEADER, sendNow, readsFailed);
        PersistentState state = null;
        if (stateDirty) {
            state = new PersistentState(term, votedFor);
            stateDirty = false;
        }
        Map<NodeId, String> peers = null;
        if (peersChanged) {
            peersChanged = false;
            peers = membership.current().addresses();
        }
        return new Ready(state, log.takeUnhanded(), drain(sendNow), drain(sendAfterPersist),
                applying.take(log, commitIndex), drain(readsReady), drain(readsFailed), peers, compaction.take(),
                receiver.takeChunks(), following.takeForwarded());
    }

    // ------------------------------------------------------------------------------------------------ role changes

    /** Raft §5.1: a higher term, or a leader of this term: follow ({@code newLeader} may be unknown, null). */
    void becomeFollower(long newTerm, NodeId newLeader) {
        boolean wasLeader = role == RaftRole.LEADER;
        if (newTerm != term || !java.util.Objects.equals(leader, newLeader)) {
            // What was queued for the old leader is refused; what is in flight waits a little for its answer.
            forwarding.leaderChanged(now, forwardGraceTicks(), forwardOutcomes);
        }
        if (newTerm != term) {
            term = newTerm;
            votedFor = null;
            stateDirty = true;
            readForwarding.failAll(readsFailed);
        }
        role = RaftRole.FOLLOWER;
        leader = newLeader;
        replication.clear();
        leadership.stop();
        election.resetTimer();
        if (wasLeader) {
            reads.failAll(p -> leadership.failRead(p, newLeader));
        }
    }

    /** Leaving a leader behind to stand for election: what was forwarded to it is refused or waits for its answer. */
    void stopFollowing(RaftRole candidacy) {
        role = candidacy;
        leader = null;
        readForwarding.failAll(readsFailed);
        forwarding.leaderChanged(now, forwardGraceTicks(), forwardOutcomes);
    }

    /** Won the election (Raft §5.2). */
    void becomeLeader() {
        role = RaftRole.LEADER;
        leader = self;
        leadership.start();
        election.leaderHeard();
        long next = log.lastIndex() + 1;
        replication.startTerm(config, next);
        reads.newTerm();
        forwarding.newTerm();
        // Raft §8: a new leader commits a no-op of its term, which also commits every earlier entry (§5.4.2).
        appendToLog(List.of(LogEntry.noOp(next, term)));
    }

    /**
     * How long proposals forwarded before a leadership change wait for the old leader's answer: two heartbeat
     * intervals, ample for an answer already on its way, and far below a request timeout, so clients of a crashed
     * leader's followers hear "outcome unknown" and retry on the new leader instead of waiting out their deadline.
     */
    private long forwardGraceTicks() {
        return 2L * options.heartbeatTicks();
    }

    /** Appends commands as entries of the current term after the last one; returns the first one's index. */
    long appendCommands(List<byte[]> commands) {
        long first = log.lastIndex() + 1;
        if (commands.isEmpty()) {
            return first;
        }
        List<LogEntry> entries = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            entries.add(LogEntry.command(first + i, term, commands.get(i)));
        }
        appendToLog(entries);
        return first;
    }

    /** Appends to the log and puts any configuration it carries in force at once (Raft §6). */
    void appendToLog(List<LogEntry> entries) {
        log.append(entries);
        membership.appended(entries);
        refreshConfiguration();
    }

    private void refreshConfiguration() {
        ClusterConfiguration now = membership.current().config();
        if (!now.equals(config)) {
            config = now;
            peersChanged = true;
            if (role == RaftRole.LEADER) {
                replication.sync(config);
            }
        }
    }

    boolean committedInCurrentTerm() {
        return log.termAt(commitIndex) == term;
    }

    private static boolean sentByLeader(RaftMessage m) {
        return m instanceof AppendEntriesRequest || m instanceof TimeoutNowRequest
                || m instanceof io.flotilla.raft.api.message.InstallSnapshotRequest;
    }

    private void rejectStale(RaftMessage m) {
        // Answer stale requests so the sender learns our term and steps down (Raft §5.1); drop stale answers.
        if (m instanceof AppendEntriesRequest req) {
            sendAfterPersist.add(new AppendEntriesResponse(self, req.from(), term, false, req.prevLogIndex(),
                    0, 0, req.readRound()));
        } else if (m instanceof RequestVoteRequest req) {
            sendAfterPersist.add(new RequestVoteResponse(self, req.from(), term, false, req.preVote()));
        } else if (m instanceof ReadIndexRequest req) {
            sendNow.add(new ReadIndexResponse(self, req.from(), term, req.requestId(), 0, false));
        } else if (m instanceof InstallSnapshotRequest req) {
            sendNow.add(new InstallSnapshotResponse(self, req.from(), term, req.snapshotIndex(), 0, false));
        }
        // A stale ProposeRequest gets no answer: this member may have led that term and appended it (see
        // Leadership#handleProposeRequest), so it cannot promise the commands were not appended.
    }

    private static <T> List<T> drain(List<T> list) {
        if (list.isEmpty()) {
            return List.of();
        }
        List<T> copy = List.copyOf(list);
        list.clear();
        return copy;
    }

    // ------------------------------------------------------------------------------------------------ inspection

    /** The protocol's clock, in ticks since it started (for its own parts, such as {@link Replication}). */
    long now() {
        return now;
    }

    /** Returns this member's id. */
    public NodeId self() {
        return self;
    }

    /** Returns the current role. */
    public RaftRole role() {
        return role;
    }

    /** Returns the current term. */
    public long term() {
        return term;
    }

    /** Returns the member voted for in the current term, or null. */
    public NodeId votedFor() {
        return votedFor;
    }

    /** Returns the leader known in the current term, or null. */
    public NodeId leader() {
        return leader;
    }

    /** Returns the commit index. */
    public long commitIndex() {
        return commitIndex;
    }

    /** Returns the last index of the log, durable or not. */
    public long lastIndex() {
        return log.lastIndex();
    }

    /** Returns the highest index known durable locally. */
    public long durableIndex() {
        return log.durableIndex();
    }

    /**
     * Returns the term at {@code index}, or -1 if the log does not hold it.
     *
     * @param index the index
     * @return the term or -1
     */
    public long termAt(long index) {
        return log.termAt(index);
    }

    /**
     * Returns the entries {@code [from, to)} of the log, durable or not (for inspection and tests).
     *
     * @param from first index
     * @param to   one past the last index
     * @return the entries
     */
    public List<LogEntry> entries(long from, long to) {
        return from >= to ? List.of() : log.entries(from, to, Long.MAX_VALUE);
    }

    /** Returns how many times entries have been discarded from this member's log (a leader must never do it). */
    public long truncations() {
        return log.truncations();
    }

    /** Returns the first index still in the log (entries before it are covered by a snapshot). */
    public long firstIndex() {
        return log.firstIndex();
    }

    /** Returns the member leadership is being handed to, or null. */
    public NodeId transferTarget() {
        return leadership.transferTarget();
    }

    /** Returns whether a lease read would be answered without a round trip right now. */
    public boolean holdsLease() {
        return leadership.leaseHolds();
    }

    /** Returns the configuration in use. */
    public ClusterConfiguration configuration() {
        return config;
    }
}
