package io.flotilla.raft.api;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One running member of a Raft group, as an application sees it. Obtain one through
 * {@link io.flotilla.raft.api.spi.RaftEngineProvider}; all methods are thread-safe and none blocks on the network or
 * the disk. Failures are reported by completing the returned future with a {@link RaftException}:
 * {@link NotLeaderException}, {@link RaftTimeoutException}, {@link OverloadedException} or
 * {@link NodeClosedException}.
 */
public interface RaftNode extends AutoCloseable {

    /** {@return this member's id} */
    NodeId id();

    /**
     * Proposes a command. The future completes with the state machine's result once the command is committed — durable
     * on a majority of voters — and applied on this member. Any member accepts proposals: a follower forwards them to
     * the leader inside Raft (batched, as etcd's MsgProp) and completes each when it applies the entry the leader put
     * it in. It fails with {@link NotLeaderException} (the command certainly had no effect, so retrying is safe) when
     * no leader is known or the leader is handing over leadership, and with {@link RaftTimeoutException} (outcome
     * unknown) when no answer comes in time, as when the leader fails with the command in flight.
     *
     * @param command the command bytes, handed to {@link StateMachine#apply(LogEntry)} on every member
     * @return the state machine's result on this member
     */
    CompletableFuture<byte[]> propose(byte[] command);

    /**
     * Waits until this member's state machine reflects every command committed before the call (a linearizable read
     * barrier, Raft §8 / thesis §6.4 ReadIndex): the leader confirms with a round of heartbeats that it still leads,
     * then the future completes once the state machine has applied up to the commit index it held.
     *
     * @return the log index the state machine has applied up to, at least the confirmed commit index
     */
    CompletableFuture<Long> readBarrier();

    /**
     * Runs a read-only query linearizably: {@link #readBarrier()}, then {@link StateMachine#query(byte[])} on the apply
     * thread.
     *
     * @param query the query bytes
     * @return the answer
     */
    CompletableFuture<byte[]> query(byte[] query);

    /**
     * Runs a read-only query with the chosen consistency (see {@link ReadConsistency} for what each assumes).
     *
     * @param query       the query bytes
     * @param consistency how fresh the answer must be
     * @return the answer
     */
    CompletableFuture<byte[]> query(byte[] query, ReadConsistency consistency);

    /**
     * Hands leadership to another voter (thesis §3.10): this leader stops accepting proposals, brings the target's log
     * up to date and tells it to start an election at once. If the target has not taken over within an election
     * timeout, the transfer is abandoned, this member resumes leading and the future fails with
     * {@link RaftTimeoutException}.
     *
     * @param target a voter of the current configuration
     * @return completes once this member sees {@code target} lead
     */
    CompletableFuture<Void> transferLeadership(NodeId target);

    /**
     * Changes the membership (Raft §6): the voters and learners wanted, each with its peer address. Changing voters
     * goes through a joint configuration that needs majorities of both the old and the new voters, then the leader
     * moves to the new configuration by itself; several voters can be added and removed in one change. Learners
     * receive the log without voting; promote one (list it among the voters) once it has caught up. One change runs
     * at a time. A leader that removes itself steps down once the new configuration is committed.
     *
     * @param voters   the voters wanted and their peer addresses
     * @param learners the learners wanted and their peer addresses
     * @return completes with the new configuration once it is committed and applied here; fails with
     *         {@link IllegalStateException} if another change is under way or a promoted learner lags behind
     */
    CompletableFuture<ClusterConfiguration> changeMembership(Map<NodeId, String> voters, Map<NodeId, String> learners);

    /** {@return what this member currently knows about itself and the group; cheap, and never blocks} */
    RaftStatus status();

    /**
     * Registers a listener for changes of role, term and known leader, called on the engine's thread (see
     * {@link LeadershipListener}). Changes that happen after this call are reported; to miss none, register first,
     * then read {@link #status()}.
     *
     * @param listener the listener; registering the same one twice has no further effect
     */
    void addLeadershipListener(LeadershipListener listener);

    /**
     * Removes a listener registered with {@link #addLeadershipListener}; no effect if it was not registered.
     *
     * @param listener the listener
     */
    void removeLeadershipListener(LeadershipListener listener);

    /**
     * Stops the member: pending requests fail with {@link NodeClosedException}, the transport and the log store are
     * closed. What was durable stays durable. Idempotent.
     */
    @Override
    void close();
}
