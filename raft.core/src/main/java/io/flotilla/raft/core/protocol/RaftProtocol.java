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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * <p>Not thread-safe: one thread (the runtime's event loop, or the simulator) drives it.
 */
public final class RaftProtocol {

    /** Committed entries handed to the state machine but not yet applied, at most; bounds the apply queue's memory. */
    static final int MAX_APPLY_BACKLOG = 4096;

    private final NodeId self;
    private final RaftOptions options;
    private final RandomGenerator random;
    private final RaftLog log;
    private final MembershipLog membership;
    /** The configuration in force: the latest in the log, committed or not (Raft §6). */
    private ClusterConfiguration config;
    private boolean peersChanged;

    // Persistent state (Raft Figure 2), and whether it changed since the last Ready.
    private long term;
    private NodeId votedFor;
    private boolean stateDirty;

    private RaftRole role = RaftRole.FOLLOWER;
    private NodeId leader;
    private long commitIndex;
    private long handedToApply;
    private long appliedIndex;

    private int electionElapsed;
    private int randomizedElectionTimeout;
    private int heartbeatElapsed;

    private final Set<NodeId> votesGranted = new TreeSet<>();
    /** A leader's replication to each follower (its progress tracker). */
    private final Replication replication;

    private final ReadIndexQueue reads = new ReadIndexQueue();
    /** Ticks since this protocol instance started: the only clock it knows. */
    private long now;
    private NodeId transferTarget;
    private int transferElapsed;
    /** Reads this follower forwards to the leader for their read index. */
    private final ReadForwarding readForwarding = new ReadForwarding();
    private final SnapshotSource snapshots;
    /**
     * Whether this member ran before (it has a term). It may have acknowledged a leader's heartbeat just before it
     * went down, so for the shortest election timeout after starting it must not help elect anyone else: that leader
     * may be serving lease reads on its acknowledgement.
     */
    private final boolean restarted;
    /** A snapshot being received from the leader. */
    private final SnapshotReceiver receiver = new SnapshotReceiver();
    private long compactThrough;
    /** The newest snapshot or checkpoint index the log may be compacted behind (see {@link #compactLog}). */
    private long compactionWanted;
    private final List<Ready.ReadReady> readsReady = new ArrayList<>();
    private final List<Ready.ReadFailed> readsFailed = new ArrayList<>();
    private final ProposalForwarding forwarding;
    private final List<ProposalForwarding.Outcome> forwardOutcomes = new ArrayList<>();

    private final List<RaftMessage> sendNow = new ArrayList<>();
    private final List<RaftMessage> sendAfterPersist = new ArrayList<>();

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
        this(self, config, Map.of(), options, stable, state, appliedIndex, random);
    }

    /**
     * Creates the protocol for a member, with the peer addresses of the initial configuration (carried in
     * configuration entries so that every member learns them).
     *
     * @param self         this member
     * @param config       the initial configuration; configuration entries in the log take precedence
     * @param addresses    peer address of each initial member
     * @param options      timing and batching options
     * @param stable       the durable log, read-only
     * @param state        the persistent state recovered from the store
     * @param appliedIndex the index the state machine already reflects (0 for a fresh one); commit starts there
     * @param random       source of election-timeout randomness; seed it for a reproducible run
     */
    public RaftProtocol(NodeId self, ClusterConfiguration config, Map<NodeId, String> addresses, RaftOptions options,
                        StableLog stable, PersistentState state, long appliedIndex, RandomGenerator random) {
        this(self, config, addresses, options, stable, state, null, SnapshotSource.NONE, random);
        this.commitIndex = appliedIndex;
        this.handedToApply = appliedIndex;
        this.appliedIndex = appliedIndex;
    }

    /**
     * Creates the protocol for a member that recovered its state machine from a snapshot.
     *
     * @param self      this member
     * @param config    the initial configuration; configuration entries in the log and the snapshot take precedence
     * @param addresses peer address of each initial member
     * @param options   timing, batching and snapshot options
     * @param stable    the durable log, read-only
     * @param state     the persistent state recovered from the store
     * @param recovered the snapshot the state machine was restored from, or null (then it starts empty)
     * @param snapshots the member's snapshots, to send to followers that need them
     * @param random    source of election-timeout randomness; seed it for a reproducible run
     */
    public RaftProtocol(NodeId self, ClusterConfiguration config, Map<NodeId, String> addresses, RaftOptions options,
                        StableLog stable, PersistentState state, SnapshotFormat.Header recovered,
                        SnapshotSource snapshots, RandomGenerator random) {
        this(self, config, addresses, options, stable, state, recovered, recovered == null ? 0 : recovered.index(),
                snapshots, random);
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
        this.random = random;
        this.snapshots = snapshots;
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
        this.restarted = state.term() > 0;
        this.commitIndex = appliedIndex;
        this.handedToApply = appliedIndex;
        this.appliedIndex = appliedIndex;
        resetElectionTimer();
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
            tickLeader();
            return;
        }
        electionElapsed++;
        if (electionElapsed >= randomizedElectionTimeout && config.isVoter(self)) {
            if (options.preVote()) {
                becomePreCandidate();
            } else {
                campaign(false);
            }
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
            handleProposeResponse(resp);
            return;
        }
        if (m.term() > term) {
            if (m instanceof RequestVoteRequest req && !req.transfer() && inLease()) {
                // Thesis §4.2.3: while we hear from a leader, a vote request (or pre-vote) must not disturb us —
                // not even raise our term. This is what keeps removed or partitioned members from deposing it.
                return;
            }
            if (m instanceof RequestVoteRequest req && req.preVote()) {
                handlePreVote(req); // a pre-vote changes no one's term
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
        if (m instanceof AppendEntriesRequest req) {
            handleAppendEntries(req);
        } else if (m instanceof AppendEntriesResponse resp) {
            handleAppendEntriesResponse(resp);
        } else if (m instanceof RequestVoteRequest req) {
            if (req.preVote()) {
                handlePreVote(req);
            } else {
                handleRequestVote(req);
            }
        } else if (m instanceof RequestVoteResponse resp) {
            handleRequestVoteResponse(resp);
        } else if (m instanceof TimeoutNowRequest req) {
            handleTimeoutNow(req);
        } else if (m instanceof ReadIndexRequest req) {
            handleReadIndexRequest(req);
        } else if (m instanceof ReadIndexResponse resp) {
            readForwarding.answered(resp, leader, readsReady, readsFailed);
        } else if (m instanceof ProposeRequest req) {
            handleProposeRequest(req);
        } else if (m instanceof ProposeResponse resp) {
            handleProposeResponse(resp);
        } else if (m instanceof InstallSnapshotRequest req) {
            handleInstallSnapshot(req);
        } else if (m instanceof InstallSnapshotResponse resp) {
            handleInstallSnapshotResponse(resp);
        }
    }

    /**
     * Records that the state machine wrote a durable snapshot covering the log up to {@code snapshotIndex}: the log is
     * compacted behind it, keeping {@link RaftOptions#snapshotKeepTailEntries()} entries for slow followers (Raft §7).
     *
     * @param snapshotIndex the snapshot's last included index (at most the applied index)
     */
    public void compactLog(long snapshotIndex) {
        // Remembered: a compaction held back by a transfer below is retried at the leader's heartbeats.
        compactionWanted = Math.max(compactionWanted, snapshotIndex);
        snapshotIndex = compactionWanted;
        long through = Math.min(snapshotIndex - options.snapshotKeepTailEntries(), log.durableIndex());
        through = Math.min(through, appliedIndex);
        through = replication.compactionLimit(through);
        if (through > Math.max(log.firstIndex() - 1, compactThrough)) {
            membership.rebase(through, membership.at(through));
            compactThrough = through;
        }
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
        handedToApply = Math.max(handedToApply, index);
        appliedIndex = Math.max(appliedIndex, index);
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
        if (transferTarget != null) {
            // Thesis §3.10: stop accepting proposals so the target can catch up; point clients at it.
            return ProposalResult.notLeader(transferTarget);
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
        if (transferTarget != null) {
            return ProposalResult.notLeader(transferTarget);
        }
        if (config.isJoint() || membership.currentIndex() > commitIndex) {
            throw new IllegalStateException("a membership change is already in progress (configuration at index "
                    + membership.currentIndex() + ", commit index " + commitIndex + ")");
        }
        ClusterConfiguration target = new ClusterConfiguration(voters.keySet(), learners.keySet(), java.util.Set.of());
        for (NodeId learner : target.learners()) {
            if (config.voters().contains(learner) && !target.voters().equals(config.voters())) {
                // The joint configuration cannot hold a member as both outgoing voter and learner.
                throw new IllegalArgumentException("voter " + learner + " cannot become a learner in the same change"
                        + " that changes the voters; remove it first, then add it as a learner");
            }
        }
        for (NodeId promoted : target.voters()) {
            Progress pr = replication.get(promoted);
            if (config.learners().contains(promoted) && pr != null && pr.matchIndex * 10 < log.lastIndex() * 9L) {
                throw new IllegalStateException("learner " + promoted + " is not caught up yet (has " + pr.matchIndex
                        + " of " + log.lastIndex() + " entries); promote it later");
            }
        }
        Map<NodeId, String> addresses = new TreeMap<>(membership.current().addresses());
        addresses.putAll(voters);
        addresses.putAll(learners);
        ClusterConfiguration next = target.voters().equals(config.voters())
                ? target
                : new ClusterConfiguration(target.voters(), target.learners(), config.voters());
        long index = log.lastIndex() + 1;
        appendToLog(List.of(new LogEntry(index, term, io.flotilla.raft.api.EntryKind.CONFIGURATION,
                MembershipCodec.encode(next, addresses))));
        maybeCommit();
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
            // Thesis §6.4 step 1: the commit index is only known to be current once the leader has committed an
            // entry of its own term; until then, the read is parked.
            reads.add(null, requestId, commitIndex, committedInCurrentTerm());
            confirmReads();
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
        if (leaseHolds()) {
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
            transferTarget = target;
            transferElapsed = 0;
            maybeSendTimeoutNow();
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
            maybeCommit();
        }
    }

    /**
     * Acknowledges that the state machine has applied up to {@code index}, which lets more committed entries be
     * handed out (the apply backlog is bounded).
     *
     * @param index the last applied index
     */
    public void applied(long index) {
        appliedIndex = Math.max(appliedIndex, index);
    }

    /**
     * Collects the effects accumulated since the last call. See {@link Ready} for the order in which to carry them out.
     *
     * @return the batch; {@link Ready#isEmpty()} if there is nothing to do
     */
    public Ready ready() {
        forwardProposals();
        if (role == RaftRole.LEADER) {
            broadcastAppends(reads.broadcastRequested());
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
        long compact = compactThrough;
        compactThrough = 0;
        return new Ready(state, log.takeUnhanded(), drain(sendNow), drain(sendAfterPersist),
                takeCommitted(), drain(readsReady), drain(readsFailed), peers, compact, receiver.takeChunks(),
                takeForwarded());
    }

    // -------------------------------------------------------------------------------------------------- election

    private void resetElectionTimer() {
        electionElapsed = 0;
        int min = options.electionTimeoutMinTicks();
        int max = options.electionTimeoutMaxTicks();
        // Raft §5.2: randomized timeouts make split votes rare and short.
        randomizedElectionTimeout = min + random.nextInt(max - min + 1);
    }

    /** Thesis §9.6: ask whether we could win before raising our term, so a returning member cannot disrupt. */
    private void becomePreCandidate() {
        role = RaftRole.PRE_CANDIDATE;
        leader = null;
        readForwarding.failAll(readsFailed);
        forwarding.leaderChanged(now, forwardGraceTicks(), forwardOutcomes);
        votesGranted.clear();
        votesGranted.add(self);
        resetElectionTimer();
        if (Quorum.isMajority(config, votesGranted::contains)) {
            campaign(false);
            return;
        }
        for (NodeId voter : config.members()) {
            if (!voter.equals(self) && config.isVoter(voter)) {
                // Nothing to persist: a pre-vote changes no state.
                sendNow.add(new RequestVoteRequest(self, voter, term + 1, log.lastIndex(), log.lastTerm(), true, false));
            }
        }
    }

    private void campaign(boolean transfer) {
        term++;
        votedFor = self;
        stateDirty = true;
        role = RaftRole.CANDIDATE;
        leader = null;
        readForwarding.failAll(readsFailed);
        forwarding.leaderChanged(now, forwardGraceTicks(), forwardOutcomes);
        votesGranted.clear();
        votesGranted.add(self);
        resetElectionTimer();
        if (Quorum.isMajority(config, votesGranted::contains)) {
            becomeLeader();
            return;
        }
        for (NodeId voter : config.members()) {
            if (!voter.equals(self) && config.isVoter(voter)) {
                // After persist: the candidate's own vote must be durable before it asks (Figure 2).
                sendAfterPersist.add(new RequestVoteRequest(self, voter, term, log.lastIndex(), log.lastTerm(),
                        false, transfer));
            }
        }
    }

    private boolean logIsUpToDate(RequestVoteRequest req) {
        // Raft §5.4.1 election restriction: only a candidate whose log is at least as up to date as ours.
        return req.lastLogTerm() > log.lastTerm()
                || (req.lastLogTerm() == log.lastTerm() && req.lastLogIndex() >= log.lastIndex());
    }

    private void handlePreVote(RequestVoteRequest req) {
        boolean grant = req.term() > term && logIsUpToDate(req) && !inLease();
        sendNow.add(new RequestVoteResponse(self, req.from(), grant ? req.term() : term, grant, true));
    }

    private void handleRequestVote(RequestVoteRequest req) {
        boolean canVote = votedFor == null || votedFor.equals(req.from());
        boolean grant = canVote && logIsUpToDate(req) && role != RaftRole.LEADER;
        if (grant) {
            votedFor = req.from();
            stateDirty = true;
            resetElectionTimer();
        }
        sendAfterPersist.add(new RequestVoteResponse(self, req.from(), term, grant, false));
    }

    private void handleRequestVoteResponse(RequestVoteResponse resp) {
        if (!resp.granted()) {
            return;
        }
        if (resp.preVote() && role == RaftRole.PRE_CANDIDATE && resp.term() == term + 1) {
            votesGranted.add(resp.from());
            if (Quorum.isMajority(config, votesGranted::contains)) {
                campaign(false);
            }
        } else if (!resp.preVote() && role == RaftRole.CANDIDATE && resp.term() == term) {
            votesGranted.add(resp.from());
            if (Quorum.isMajority(config, votesGranted::contains)) {
                becomeLeader();
            }
        }
    }

    private void handleTimeoutNow(TimeoutNowRequest req) {
        // Thesis §3.10: the leader chose us and our log matches its own; start an election now, skipping pre-vote.
        if (role != RaftRole.LEADER && config.isVoter(self)) {
            campaign(true);
        }
    }

    private void becomeFollower(long newTerm, NodeId newLeader) {
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
        transferTarget = null;
        resetElectionTimer();
        if (wasLeader) {
            reads.failAll(p -> failRead(p, newLeader));
        }
    }

    private void becomeLeader() {
        role = RaftRole.LEADER;
        leader = self;
        heartbeatElapsed = 0;
        electionElapsed = 0;
        long next = log.lastIndex() + 1;
        replication.startTerm(config, next);
        transferTarget = null;
        reads.newTerm();
        forwarding.newTerm();
        // Raft §8: a new leader commits a no-op of its term, which also commits every earlier entry (§5.4.2).
        appendToLog(List.of(LogEntry.noOp(next, term)));
    }

    // ----------------------------------------------------------------------------------------------- replication

    /** A message only a leader of our term sends: follow it, and restart the election timer. */
    private void acceptLeader(RaftMessage m) {
        if (role == RaftRole.LEADER) {
            throw new IllegalStateException(self + " is leader of term " + term + " and got "
                    + m.getClass().getSimpleName() + " from " + m.from() + " in the same term: Election Safety violated");
        }
        if (role != RaftRole.FOLLOWER) {
            becomeFollower(term, m.from());
        }
        leader = m.from();
        electionElapsed = 0;
    }

    private void handleAppendEntries(AppendEntriesRequest req) {
        acceptLeader(req);
        if (receiver.installing()) {
            return; // a snapshot is being installed; the log is about to be replaced, the leader will retry
        }

        if (req.prevLogIndex() < commitIndex) {
            // Everything up to our commit index is committed, so it matches the leader; tell it where to continue.
            reply(req, true, commitIndex, 0, 0);
            return;
        }
        if (!log.matches(req.prevLogIndex(), req.prevLogTerm())) {
            rejectWithHint(req);
            return;
        }
        appendNewEntries(req.entries());
        long lastNew = req.prevLogIndex() + req.entries().size();
        // Figure 2: commitIndex = min(leaderCommit, index of last new entry) — not our last index, whose tail beyond
        // lastNew is not yet known to match the leader.
        if (req.leaderCommit() > commitIndex) {
            commitIndex = Math.max(commitIndex, Math.min(req.leaderCommit(), lastNew));
        }
        reply(req, true, lastNew, 0, 0);
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
    private long appendCommands(List<byte[]> commands) {
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
    private void appendToLog(List<LogEntry> entries) {
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

    /** Raft §5.3: skip entries we already hold; at the first conflict drop our suffix and append the rest. */
    private void appendNewEntries(List<LogEntry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            LogEntry e = entries.get(i);
            if (e.index() <= log.lastIndex() && log.termAt(e.index()) == e.term()) {
                continue;
            }
            if (e.index() <= commitIndex) {
                throw new IllegalStateException(self + ": leader " + leader + " would overwrite committed index "
                        + e.index() + " (commit " + commitIndex + "): Leader Completeness violated");
            }
            appendToLog(entries.subList(i, entries.size()));
            return;
        }
    }

    private void rejectWithHint(AppendEntriesRequest req) {
        long conflictIndex;
        long conflictTerm;
        if (req.prevLogIndex() > log.lastIndex()) {
            conflictIndex = log.lastIndex() + 1;
            conflictTerm = 0;
        } else {
            conflictTerm = log.termAt(req.prevLogIndex());
            conflictIndex = log.firstIndexWithTermAtLeast(conflictTerm, req.prevLogIndex());
        }
        reply(req, false, req.prevLogIndex(), conflictIndex, conflictTerm);
    }

    private void reply(AppendEntriesRequest req, boolean success, long index, long conflictIndex, long conflictTerm) {
        AppendEntriesResponse resp = new AppendEntriesResponse(self, req.from(), term, success, index, conflictIndex,
                conflictTerm, req.readRound());
        // An acknowledgement of an empty append (a heartbeat, a read round, a commit notice) that claims no entry beyond
        // what is durable here goes out at once instead of queueing behind this member's pending writes (etcd answers
        // heartbeats the same way), so read rounds and leases do not wait for a follower's disk. It promises nothing a
        // crash could take back: the match it reports is durable, and this member casts no vote by it. A step that
        // changed the term still waits for its write, to keep the argument short. Everything else waits for the disk
        // (Raft §5.1, Figure 2: respond to RPCs only after updating stable storage).
        boolean promisesNothingNew = success && req.entries().isEmpty() && index <= log.durableIndex() && !stateDirty;
        (promisesNothingNew ? sendNow : sendAfterPersist).add(resp);
    }

    private void handleAppendEntriesResponse(AppendEntriesResponse resp) {
        if (role != RaftRole.LEADER) {
            return;
        }
        Progress pr = replication.heardFrom(resp.from());
        if (pr == null) {
            return;
        }
        if (resp.readRound() > pr.ackedReadRound) {
            pr.ackedReadRound = resp.readRound();
            pr.ackedRoundStartTick = reads.startTickOf(resp.readRound());
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
        replication.rejected(pr, resp);
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (transferTarget != null && ++transferElapsed >= options.electionTimeoutMinTicks()) {
            transferTarget = null; // thesis §3.10: the target did not take over in time; resume leading
        }
        if (electionElapsed >= options.electionTimeoutMinTicks()) {
            electionElapsed = 0;
            if (options.checkQuorum() && !replication.quorumRecentlyActive(config)) {
                // Thesis §6.2: a leader cut off from a majority steps down, so clients stop waiting on it.
                becomeFollower(term, null);
                return;
            }
        }
        if (heartbeatElapsed < options.heartbeatTicks()) {
            return;
        }
        heartbeatElapsed = 0;
        // A whole heartbeat interval without acknowledgement while appends are in flight: assume they were lost and
        // probe again from the last known match.
        replication.heartbeatIntervalEnded();
        if (compactionWanted > 0) {
            compactLog(compactionWanted); // once a held-back transfer is done or its follower went silent
        }
        broadcastAppends(true);
    }

    /** Whether a leader is known and was heard from within the shortest election timeout (thesis §4.2.3). */
    private boolean inLease() {
        boolean heardFromLeader = leader != null || (restarted && now < options.electionTimeoutMinTicks());
        return options.checkQuorum() && heardFromLeader && electionElapsed < options.electionTimeoutMinTicks();
    }

    private boolean leaseHolds() {
        if (!options.checkQuorum() || role != RaftRole.LEADER || transferTarget != null || !committedInCurrentTerm()) {
            return false;
        }
        // The latest moment by which a majority had heard from us: no other leader can exist before it plus the
        // shortest election timeout (they ignore candidates that long), less the clock-drift margin.
        long heardBy = Quorum.majorityValue(config, id -> id.equals(self) ? now : replication.leaseStart(id,
                reads.leaseMinRound()));
        return now < heardBy + options.leaseTicks();
    }

    private void maybeSendTimeoutNow() {
        Progress pr = replication.get(transferTarget);
        if (pr != null && pr.matchIndex == log.lastIndex()) {
            sendNow.add(new TimeoutNowRequest(self, transferTarget, term));
            // The target may be elected without waiting out anyone's lease: stop trusting acknowledgements of
            // rounds started before now.
            reads.distrustRoundsSoFar();
        }
    }

    /** Sends each follower what it needs; with {@code heartbeat}, every follower gets at least an empty append. */
    private void broadcastAppends(boolean heartbeat) {
        long round = reads.round();
        if (heartbeat) {
            round = reads.startRound(now);
        }
        replication.broadcast(heartbeat, round);
    }

    private void handleInstallSnapshotResponse(InstallSnapshotResponse resp) {
        if (role == RaftRole.LEADER && replication.snapshotAnswered(resp)) {
            maybeCommit();
        }
    }

    private void handleInstallSnapshot(InstallSnapshotRequest req) {
        acceptLeader(req);
        if (req.snapshotIndex() <= commitIndex) {
            // We already hold everything it covers.
            sendAfterPersist.add(new InstallSnapshotResponse(self, req.from(), term, req.snapshotIndex(), 0, true));
            return;
        }
        receiver.receive(req, self, term, sendNow, sendAfterPersist);
    }

    private void maybeCommit() {
        long quorumIndex = Quorum.majorityValue(config,
                id -> id.equals(self) ? log.durableIndex() : replication.matchOf(id));
        // Raft §5.4.2: only entries of the current term are committed by counting replicas; earlier ones follow.
        if (quorumIndex > commitIndex && log.termAt(quorumIndex) == term) {
            boolean first = !committedInCurrentTerm();
            commitIndex = quorumIndex;
            if (first) {
                reads.leaderCommittedInTerm(commitIndex);
                confirmReads();
            }
            afterConfigurationCommitted();
        }
    }

    private void afterConfigurationCommitted() {
        if (membership.currentIndex() > commitIndex) {
            return;
        }
        if (config.isJoint()) {
            // Thesis §4.3: once C(old,new) is committed, the leader moves the cluster to C(new) by itself.
            long index = log.lastIndex() + 1;
            ClusterConfiguration next = new ClusterConfiguration(config.voters(), config.learners(), java.util.Set.of());
            appendToLog(List.of(new LogEntry(index, term, io.flotilla.raft.api.EntryKind.CONFIGURATION,
                    MembershipCodec.encode(next, membership.current().addresses()))));
            maybeCommit();
        } else if (!config.isVoter(self)) {
            // Raft §6: a leader that is not part of the new configuration steps down once it is committed.
            becomeFollower(term, null);
        }
    }

    private boolean committedInCurrentTerm() {
        return log.termAt(commitIndex) == term;
    }

    private void confirmReads() {
        reads.confirm(round -> replication.roundAcknowledged(config, round),
                p -> {
                    if (p.requester() == null) {
                        readsReady.add(new Ready.ReadReady(p.requestId(), p.readIndex()));
                    } else {
                        sendNow.add(new ReadIndexResponse(self, p.requester(), term, p.requestId(), p.readIndex(),
                                true));
                    }
                });
    }

    private void failRead(ReadIndexQueue.Pending p, NodeId newLeader) {
        if (p.requester() == null) {
            readsFailed.add(new Ready.ReadFailed(p.requestId(), newLeader));
        } else {
            sendNow.add(new ReadIndexResponse(self, p.requester(), term, p.requestId(), 0, false));
        }
    }

    private void handleReadIndexRequest(ReadIndexRequest req) {
        if (role != RaftRole.LEADER) {
            sendNow.add(new ReadIndexResponse(self, req.from(), term, req.requestId(), 0, false));
            return;
        }
        reads.add(req.from(), req.requestId(), commitIndex, committedInCurrentTerm());
        confirmReads();
    }

    /**
     * Sends the proposals queued since the last call to the leader. Every way out of following a leader (a new term,
     * a campaign) refuses the queue first (see {@link ProposalForwarding#leaderChanged}), so a non-empty queue means
     * this member still follows the leader it queued them for.
     */
    private void forwardProposals() {
        if (!forwarding.hasQueued()) {
            return;
        }
        if (role != RaftRole.FOLLOWER || leader == null) {
            throw new IllegalStateException(self + " holds proposals for a leader it no longer follows (" + role
                    + ", leader " + leader + ")");
        }
        sendNow.addAll(forwarding.send(self, leader, term, options.maxEntriesPerMessage(),
                options.maxBytesPerMessage(), forwardOutcomes));
    }

    /** Leader: appends a follower's forwarded commands, unless they are a repeat or this member cannot take them. */
    private void handleProposeRequest(ProposeRequest req) {
        if (role != RaftRole.LEADER) {
            // A refusal promises that the commands were never appended. This member knows that only if another member
            // leads this term (one leader per term, §5.2). Otherwise it may itself have led this term and appended
            // this very batch before stepping down or restarting (a repeat delivered late): no answer, and the
            // follower's proposals end at their deadline, outcome unknown.
            if (leader != null && !leader.equals(self)) {
                sendNow.add(new ProposeResponse(self, req.from(), term, req.session(), req.batchId(), 0, false));
            }
            return;
        }
        if (!forwarding.admit(req.from(), req.session(), req.batchId())) {
            // A repeat (or a batch too old to tell from one): no answer. A refusal could overtake the answer to the
            // original and tell the follower "not appended" about appended commands; silence leaves the proposals
            // to their deadline, an unknown outcome.
            return;
        }
        if (transferTarget != null) {
            // Thesis §3.10: no new entries while leadership is being handed over. The batch counts as seen (admitted
            // above), so a repeat that arrives after an abandoned transfer is not appended behind this refusal.
            sendNow.add(new ProposeResponse(self, req.from(), term, req.session(), req.batchId(), 0, false));
            return;
        }
        long first = appendCommands(req.commands());
        // Sent before this batch's AppendEntries (added at ready()), so on an ordered transport the follower knows
        // where its proposals are before it can apply them.
        sendNow.add(new ProposeResponse(self, req.from(), term, req.session(), req.batchId(), first, true));
    }

    private void handleProposeResponse(ProposeResponse resp) {
        ProposalForwarding.Outcome outcome =
                forwarding.answered(resp.session(), resp.batchId(), resp.accepted(), resp.firstIndex(), resp.term());
        if (outcome != null) {
            forwardOutcomes.add(outcome);
        }
    }

    private List<Ready.Forwarded> takeForwarded() {
        if (forwardOutcomes.isEmpty()) {
            return List.of();
        }
        List<Ready.Forwarded> out = new ArrayList<>(forwardOutcomes.size());
        for (ProposalForwarding.Outcome o : forwardOutcomes) {
            out.add(new Ready.Forwarded(o.ids(), o.placed(), o.firstIndex(), o.term(), o.placed() ? null : leader,
                    o.outcomeUnknown()));
        }
        forwardOutcomes.clear();
        return out;
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
        // handleProposeRequest), so it cannot promise the commands were not appended.
    }

    private List<LogEntry> takeCommitted() {
        long upTo = Math.min(Math.min(commitIndex, log.durableIndex()), appliedIndex + MAX_APPLY_BACKLOG);
        if (upTo <= handedToApply) {
            return List.of();
        }
        List<LogEntry> entries = log.entries(handedToApply + 1, upTo + 1, Long.MAX_VALUE);
        handedToApply += entries.size();
        log.release(handedToApply);
        return entries;
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
        return transferTarget;
    }

    /** Returns whether a lease read would be answered without a round trip right now. */
    public boolean holdsLease() {
        return leaseHolds();
    }

    /** Returns the configuration in use. */
    public ClusterConfiguration configuration() {
        return config;
    }
}
