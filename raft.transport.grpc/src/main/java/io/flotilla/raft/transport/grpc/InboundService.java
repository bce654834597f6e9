package io.flotilla.raft.transport.grpc;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.MessageHandler;
import io.flotilla.raft.transport.grpc.internal.proto.RaftTransportGrpc;
import io.flotilla.raft.transport.grpc.internal.proto.Wire;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;

/**
 * The server side: each peer's stream of envelopes is decoded and handed to the engine's {@link MessageHandler}, in
 * the order received. A message that cannot be decoded, or that is addressed to another member (a peer with a wrong
 * address book), is dropped and counted; it never ends the stream, so the messages behind it still arrive.
 */
final class InboundService extends RaftTransportGrpc.RaftTransportImplBase {

    private static final System.Logger LOG = System.getLogger(InboundService.class.getName());

    private final NodeId self;
    private final MessageHandler handler;
    private final TransportCounters counters;

    InboundService(NodeId self, MessageHandler handler, TransportCounters counters) {
        this.self = self;
        this.handler = handler;
        this.counters = counters;
    }

    @Override
    public StreamObserver<Wire.Envelope> stream(StreamObserver<Wire.StreamSummary> summary) {
        return new InboundStream(summary);
    }

    /** One peer's stream; gRPC calls it from one thread at a time. */
    private final class InboundStream implements StreamObserver<Wire.Envelope> {

        private final StreamObserver<Wire.StreamSummary> summary;
        private long messagesReceived;

        InboundStream(StreamObserver<Wire.StreamSummary> summary) {
            this.summary = summary;
        }

        @Override
        public void onNext(Wire.Envelope envelope) {
            messagesReceived++;
            RaftMessage message;
            try {
                message = EnvelopeDecoder.decode(envelope);
            } catch (IllegalArgumentException e) {
                dropInvalid("an undecodable message from '" + envelope.getFrom() + "': " + e.getMessage());
                return;
            }
            if (!message.to().equals(self)) {
                dropInvalid("a message for " + message.to() + " from " + message.from()
                        + " (its address book points " + message.to() + " at this member)");
                return;
            }
            counters.received.incrementAndGet();
            try {
                handler.onMessage(message);
            } catch (RuntimeException e) {
                // A failing handler must not end the stream: the messages behind this one are still good.
                LOG.log(Level.ERROR, self + ": message handler failed on " + message, e);
            }
        }

        @Override
        public void onError(Throwable t) {
            // The peer went away or its stream was reset; it reconnects by itself.
            LOG.log(Level.DEBUG, () -> self + ": inbound stream ended: " + t);
        }

        @Override
        public void onCompleted() {
            summary.onNext(Wire.StreamSummary.newBuilder().setMessagesReceived(messagesReceived).build());
            summary.onCompleted();
        }
    }

    private void dropInvalid(String what) {
        long total = counters.droppedInvalid.incrementAndGet();
        if (TransportCounters.worthLogging(total)) {
            LOG.log(Level.WARNING, () -> self + ": dropped " + what + "; " + total + " invalid messages so far");
        }
    }
}
