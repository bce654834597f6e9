package io.flotilla.raft.transport.grpc;

import io.flotilla.raft.api.NodeId;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;

/**
 * Reports inbound messages that gRPC refused for exceeding {@code maxMessageBytes}. gRPC enforces the limit before a
 * message reaches our code and then resets the stream (the sender reconnects and carries on); the only place that
 * sees why is the stream's close status, so this tracer counts and logs it.
 */
final class InboundSizeLimitTracer extends ServerStreamTracer.Factory {

    private static final System.Logger LOG = System.getLogger(InboundSizeLimitTracer.class.getName());

    private final NodeId self;
    private final int maxMessageBytes;
    private final TransportCounters counters;

    InboundSizeLimitTracer(NodeId self, int maxMessageBytes, TransportCounters counters) {
        this.self = self;
        this.maxMessageBytes = maxMessageBytes;
        this.counters = counters;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new ServerStreamTracer() {
            private volatile SocketAddress remote;

            @Override
            public void serverCallStarted(ServerCallInfo<?, ?> callInfo) {
                remote = callInfo.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            }

            @Override
            public void streamClosed(Status status) {
                if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    long total = counters.rejectedInboundOversize.incrementAndGet();
                    if (TransportCounters.worthLogging(total)) {
                        LOG.log(Level.WARNING, () -> self + ": refused an inbound message above maxMessageBytes ("
                                + maxMessageBytes + ") from " + remote + ": " + status.getDescription() + "; "
                                + total + " refused so far. The sender's limit should not exceed ours.");
                    }
                }
            }
        };
    }
}
