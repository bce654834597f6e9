package io.flotilla.kvtest.transport;

import io.flotilla.raft.api.spi.Transport;
import io.flotilla.raft.api.spi.TransportContext;
import io.flotilla.raft.api.spi.TransportProvider;

/**
 * Test-only transport {@code "in-jvm"}: carries Raft messages between members running in the same JVM, so the KV
 * service's cluster tests need no network transport.
 *
 * <p>It is compiled apart from the tests and put on the class path with a {@code META-INF/services} entry: the tests
 * run inside the named module {@code io.flotilla.kv.service}, which cannot declare a test-only provider, while
 * ServiceLoader does find class-path providers listed that way.
 */
public final class InJvmTransportProvider implements TransportProvider {

    /** The name used in {@code RaftOptions.transport(...)}. */
    public static final String NAME = "in-jvm";

    /** Creates the provider; ServiceLoader needs a public no-argument constructor. */
    public InJvmTransportProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Transport create(TransportContext context) {
        return new InJvmTransport(context.self(), context.listenAddress(), context.peers());
    }
}
