package io.flotilla.raft.transport.grpc;

import io.flotilla.raft.api.spi.Transport;
import io.flotilla.raft.api.spi.TransportContext;
import io.flotilla.raft.api.spi.TransportProvider;

/**
 * Provides the gRPC transport under the name {@code "grpc"}. Options are described by {@link GrpcTransportOptions};
 * addresses are {@code host:port} (IPv6 hosts in brackets, e.g. {@code [::1]:7001}).
 */
public final class GrpcTransportProvider implements TransportProvider {

    /** The name engines look the transport up by. */
    public static final String NAME = "grpc";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor). */
    public GrpcTransportProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Transport create(TransportContext context) {
        return GrpcTransport.create(context);
    }
}
