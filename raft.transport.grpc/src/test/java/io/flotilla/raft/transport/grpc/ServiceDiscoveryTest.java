package io.flotilla.raft.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.spi.Plugins;
import io.flotilla.raft.api.spi.TransportProvider;
import org.junit.jupiter.api.Test;

/** The provider is declared in module-info and found through ServiceLoader by its name, on the module path. */
class ServiceDiscoveryTest {

    @Test
    void theTestsRunInTheNamedModule() {
        assertTrue(getClass().getModule().isNamed(), "tests must run on the module path");
        assertEquals("io.flotilla.raft.transport.grpc", getClass().getModule().getName());
    }

    @Test
    void pluginsFindTheProviderByTheNameGrpc() {
        TransportProvider provider = Plugins.transport("grpc");
        assertInstanceOf(GrpcTransportProvider.class, provider);
        assertEquals("grpc", provider.name());
        assertTrue(Plugins.transportNames().contains("grpc"), Plugins.transportNames().toString());
    }

    @Test
    void theModuleExportsNothingButTheGeneratedCodeToProtobuf() {
        Module module = GrpcTransportProvider.class.getModule();
        assertTrue(module.getDescriptor().exports().stream().allMatch(e -> e.isQualified()
                && e.targets().equals(java.util.Set.of("com.google.protobuf"))), module.getDescriptor().toString());
        assertTrue(module.getDescriptor().provides().stream()
                .anyMatch(p -> p.service().equals(TransportProvider.class.getName())
                        && p.providers().equals(java.util.List.of(GrpcTransportProvider.class.getName()))));
    }
}
