package io.flotilla.raft.transport.grpc;

/**
 * A snapshot of one transport's counters, since it was created. Every drop is also logged (at the 1st, 2nd, 4th, 8th
 * ... occurrence of its kind, so a persistent problem stays visible without flooding the log).
 *
 * @param sent                   messages written to a peer's stream
 * @param received               messages handed to the engine
 * @param droppedQueueFull       oldest messages dropped because a peer's queue was full (peer down or slow)
 * @param droppedOversize        outbound messages dropped because they encode to more than {@code maxMessageBytes}
 * @param rejectedInboundOversize inbound streams reset by gRPC because a message exceeded {@code maxMessageBytes}
 * @param droppedUnknownPeer     messages addressed to a member that is not in the address book
 * @param droppedInvalid         outbound messages that could not be encoded (e.g. a null field), and inbound envelopes
 *                               that did not decode or were addressed to another member
 * @param streamFailures         outbound streams that failed (peer down, restarted, or refused a message)
 * @param peers                  peers currently in the address book
 */
public record TransportStats(long sent, long received, long droppedQueueFull, long droppedOversize,
                             long rejectedInboundOversize, long droppedUnknownPeer, long droppedInvalid,
                             long streamFailures, int peers) {
}
