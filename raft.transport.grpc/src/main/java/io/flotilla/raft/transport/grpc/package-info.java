/**
 * The gRPC transport. {@link io.flotilla.raft.transport.grpc.GrpcTransportProvider} is the entry point (found through
 * ServiceLoader); the rest is its implementation: one {@code PeerLink} (bounded queue, sender thread, channel) per peer,
 * an inbound gRPC service, and the codec between Raft messages and the protobuf envelopes of
 * {@code raft_transport.proto}.
 */
package io.flotilla.raft.transport.grpc;
