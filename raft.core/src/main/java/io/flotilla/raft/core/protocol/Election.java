package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import io.flotilla.raft.api.message.TimeoutNowRequest;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * Leader election (Raft §5.2): the election timer of a member that does not lead, the pre-candidate and candidate
 * roles (thesis §9.6 pre-vote), the votes this member grants (the election restriction of §5.4.1, and thesis §4.2.3:
 * no vote while a leader is heard from), and TimeoutNow from a leader handing over (thesis §3.10). Winning calls
 * {@link RaftProtocol#becomeLeader()}; a higher term seen anywhere makes the protocol a follower, not this class.
 *
 * <p>Part of the pure protocol: the randomized timeouts come from the protocol's seeded generator.
 */
final class Election {

    private final RaftProtocol p;
    private final RaftOptions options;
    private final RandomGenerator random;
    /**
     * Whether this member ran before (it has a term). It may have acknowledged a leader's heartbeat just before it
     * went down, so for the shortest election timeout after starting it must not help elect anyone else: that leader
     * may be serving lease reads on its acknowledgement.
     */
    private final boolean restarted;
    private final Set<NodeId> votesGranted = new TreeSet<>();
    private int elapsed;
    private int randomizedTimeout;

    Election(RaftProtocol p, RaftOptions options, RandomGenerator random, boolean restarted) {
        this.p = p;
        this.options = options;
        this.random = random;
        this.restarted = restarted;
    }

    /** Restarts the timer with a new randomized timeout. */
    void resetTimer() {
        elapsed = 0;
        int min = options.electionTimeoutMinTicks();
        int max = options.electionTimeoutMaxTicks();
        // Raft §5.2: randomized timeouts make split votes rare and short.
        randomizedTimeout = min + random.nextInt(max - min + 1);
    }

    /** The leader was heard from (or this member just became it): the timer starts over, same timeout. */
    void leaderHeard() {
        elapsed = 0;
    }

    /** A tick of a member that does not lead: past its randomized timeout, a voter stands for election. */
    void tick() {
        elapsed++;
        if (elapsed >= randomizedTimeout && p.config.isVoter(p.self)) {
            if (options.preVote()) {
                becomePreCandidate();
            } else {
                campaign(false);
            }
        }
    }

    /** A leader's tick: true once every shortest election timeout, the period of its check-quorum (thesis §6.2). */
    boolean leaderTick() {
        elapsed++;
        if (elapsed >= options.electionTimeoutMinTicks()) {
            elapsed = 0;
            return true;
        }
        return false;
    }

    /** Whether a leader is known and was heard from within the shortest election timeout (thesis §4.2.3). */
    boolean inLease() {
        boolean heardFromLeader = p.leader != null || (restarted && p.now < options.electionTimeoutMinTicks());
        return options.checkQuorum() && heardFromLeader && elapsed < options.electionTimeoutMinTicks();
    }

    /** Thesis §9.6: ask whether we could win before raising our term, so a returning member cannot disrupt. */
    private void becomePreCandidate() {
        p.stopFollowing(RaftRole.PRE_CANDIDATE);
        votesGranted.clear();
        votesGranted.add(p.self);
        resetTimer();
        if (Quorum.isMajority(p.config, votesGranted::contains)) {
            campaign(false);
            return;
        }
        for (NodeId voter : p.config.members()) {
            if (!voter.equals(p.self) && p.config.isVoter(voter)) {
                // Nothing to persist: a pre-vote changes no state.
                p.sendNow.add(new RequestVoteRequest(p.self, voter, p.term + 1, p.log.lastIndex(), p.log.lastTerm(),
                        true, false));
            }
        }
    }

    /**
     * Raft §5.2: a new term, a vote for itself, and vote requests to every other voter.
     *
     * @param transfer whether the leader asked for it (TimeoutNow): voters then answer even while in a lease
     */
    void campaign(boolean transfer) {
        p.term++;
        p.votedFor = p.self;
        p.stateDirty = true;
        p.stopFollowing(RaftRole.CANDIDATE);
        votesGranted.clear();
        votesGranted.add(p.self);
        resetTimer();
        if (Quorum.isMajority(p.config, votesGranted::contains)) {
            p.becomeLeader();
            return;
        }
        for (NodeId voter : p.config.members()) {
            if (!voter.equals(p.self) && p.config.isVoter(voter)) {
                // After persist: the candidate's own vote must be durable before it asks (Figure 2).
                p.sendAfterPersist.add(new RequestVoteRequest(p.self, voter, p.term, p.log.lastIndex(),
                        p.log.lastTerm(), false, transfer));
            }
        }
    }

    private boolean logIsUpToDate(RequestVoteRequest req) {
        // Raft §5.4.1 election restriction: only a candidate whose log is at least as up to date as ours.
        return req.lastLogTerm() > p.log.lastTerm()
                || (req.lastLogTerm() == p.log.lastTerm() && req.lastLogIndex() >= p.log.lastIndex());
    }

    void handlePreVote(RequestVoteRequest req) {
        boolean grant = req.term() > p.term && logIsUpToDate(req) && !inLease();
        p.sendNow.add(new RequestVoteResponse(p.self, req.from(), grant ? req.term() : p.term, grant, true));
    }

    void handleRequestVote(RequestVoteRequest req) {
        boolean canVote = p.votedFor == null || p.votedFor.equals(req.from());
        boolean grant = canVote && logIsUpToDate(req) && p.role != RaftRole.LEADER;
        if (grant) {
            p.votedFor = req.from();
            p.stateDirty = true;
            resetTimer();
        }
        p.sendAfterPersist.add(new RequestVoteResponse(p.self, req.from(), p.term, grant, false));
    }

    void handleRequestVoteResponse(RequestVoteResponse resp) {
        if (!resp.granted()) {
            return;
        }
        if (resp.preVote() && p.role == RaftRole.PRE_CANDIDATE && resp.term() == p.term + 1) {
            votesGranted.add(resp.from());
            if (Quorum.isMajority(p.config, votesGranted::contains)) {
                campaign(false);
            }
        } else if (!resp.preVote() && p.role == RaftRole.CANDIDATE && resp.term() == p.term) {
            votesGranted.add(resp.from());
            if (Quorum.isMajority(p.config, votesGranted::contains)) {
                p.becomeLeader();
            }
        }
    }

    void handleTimeoutNow(TimeoutNowRequest req) {
        // Thesis §3.10: the leader chose us and our log matches its own; start an election now, skipping pre-vote.
        if (p.role != RaftRole.LEADER && p.config.isVoter(p.self)) {
            campaign(true);
        }
    }
}
