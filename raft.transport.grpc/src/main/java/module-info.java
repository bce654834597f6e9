/**
 * The {@code grpc} transport: carries Raft messages between members as a stream of protobuf envelopes over one
 * long-lived gRPC (HTTP/2) channel per peer. Engines find it by name through
 * {@link io.flotilla.raft.api.spi.Plugins#transport(String)}; nothing is exported, so no other module can depend on its
 * classes.
 */
module io.flotilla.raft.transport.grpc {
    requires io.flotilla.raft.api;
    requires io.grpc;
    requires io.grpc.stub;
    requires io.grpc.protobuf;
    requires io.grpc.netty.shaded;
    requires com.google.protobuf;

    // grpc-java and netty are automatic modules, which require java.base only. These are the JDK modules they use at
    // run time: java.util.logging, and sun.misc.Unsafe (without it netty falls back to slower heap buffers). Requiring
    // them here resolves them wherever this transport is used; --add-modules ALL-MODULE-PATH would not, as they are
    // system modules.
    requires java.logging;
    requires jdk.unsupported;

    // Generated message classes are read reflectively by the protobuf runtime (descriptors, field accessors).
    exports io.flotilla.raft.transport.grpc.internal.proto to com.google.protobuf;

    provides io.flotilla.raft.api.spi.TransportProvider with io.flotilla.raft.transport.grpc.GrpcTransportProvider;
}
