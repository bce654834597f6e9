package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.RaftMessage;
import java.util.Map;

/**
 * Carries {@link RaftMessage}s between the members of a group. Implementations are plugins ({@link TransportProvider}).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #send(RaftMessage)} is called from more than one engine thread at a time (the event loop sends requests
 *       and heartbeat answers, the disk thread sends the answers that wait for a write), so it must be thread-safe.</li>
 *   <li>{@link #send(RaftMessage)} never blocks the engine: it queues the message or drops it. Raft tolerates lost,
 *       duplicated, delayed and reordered messages (Raft §5.1), so a transport may drop when a peer is slow or down,
 *       but one slow or dead peer must never delay messages to the others.</li>
 *   <li>Inbound messages are handed to the {@link MessageHandler} given to {@link #start(MessageHandler)}, from the
 *       transport's own threads. The handler only enqueues and returns quickly.</li>
 *   <li>Messages to one peer should arrive in the order sent when nothing fails (it keeps pipelining efficient),
 *       but correctness never depends on it.</li>
 *   <li>Large messages (snapshot chunks, big AppendEntries) may be rejected if above the transport's size limit; the
 *       engine bounds its own message sizes with {@link io.flotilla.raft.api.RaftOptions}.</li>
 * </ul>
 */
public interface Transport extends AutoCloseable {

    /**
     * Starts listening and delivering inbound messages to the handler.
     *
     * @param handler receives every inbound message addressed to this member
     * @throws io.flotilla.raft.api.RaftException if the transport cannot listen (e.g. the address is in use)
     */
    void start(MessageHandler handler);

    /**
     * Sends a message to {@link RaftMessage#to()}, without blocking. Unknown addressees are dropped.
     *
     * @param message the message
     */
    void send(RaftMessage message);

    /**
     * Replaces the peer address book, after a membership change. Connections to removed peers are closed.
     *
     * @param peers every other member's address
     */
    void updatePeers(Map<NodeId, String> peers);

    /** Stops listening and sending; queued messages may be dropped. Idempotent. */
    @Override
    void close();
}
