package io.flotilla.kv.service.api;

import io.flotilla.kv.service.ops.MemberMetrics;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Counts every call the client port serves, as go-grpc-prometheus does for etcd: calls started and handled (with
 * their status code), stream messages received and sent, and unary latency.
 */
public final class GrpcMetricsInterceptor implements ServerInterceptor {

    private final MemberMetrics metrics;

    /**
     * Creates the interceptor.
     *
     * @param metrics where the counts go
     */
    public GrpcMetricsInterceptor(MemberMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        MethodDescriptor<Q, R> method = call.getMethodDescriptor();
        String type = type(method.getType());
        String service = method.getServiceName();
        String name = method.getBareMethodName();
        long start = System.nanoTime();
        metrics.grpcStarted(type, service, name);
        boolean streamsIn = !method.getType().clientSendsOneMessage();
        boolean streamsOut = !method.getType().serverSendsOneMessage();
        ServerCall<Q, R> counted = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
                if (streamsOut) {
                    metrics.grpcSent(type, service, name);
                }
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                metrics.grpcHandled(type, service, name, status.getCode().name(), start);
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
            @Override
            public void onMessage(Q message) {
                if (streamsIn) {
                    metrics.grpcReceived(type, service, name);
                }
                super.onMessage(message);
            }
        };
    }

    /** go-grpc-prometheus' names for the four kinds of call. */
    private static String type(MethodDescriptor.MethodType type) {
        return switch (type) {
            case UNARY -> "unary";
            case CLIENT_STREAMING -> "client_stream";
            case SERVER_STREAMING -> "server_stream";
            case BIDI_STREAMING -> "bidi_stream";
            default -> "unknown";
        };
    }
}
