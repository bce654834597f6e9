package io.flotilla.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each module's descriptor exports, uses and provides exactly what is intended — no more. */
class ModuleDescriptorsTest {

    private static final String SPI = "io.flotilla.raft.api.spi.";
    private static final String KV_SPI = "io.flotilla.kv.backend.";

    @Test
    void raftApiExportsItsThreePackagesAndUsesTheThreeSpis() {
        ModuleDescriptor d = descriptorOf(io.flotilla.raft.api.RaftNode.class);
        assertEquals("io.flotilla.raft.api", d.name());
        assertEquals(Set.of("io.flotilla.raft.api", "io.flotilla.raft.api.message", "io.flotilla.raft.api.spi"),
                unqualifiedExports(d));
        assertEquals(Set.of(SPI + "RaftEngineProvider", SPI + "LogStoreProvider", SPI + "TransportProvider"),
                d.uses());
        assertTrue(d.provides().isEmpty());
        assertEquals(Set.of("java.base"), requiresNames(d));
    }

    @Test
    void raftCoreExportsOnlyTheProtocolAndProvidesTheEngine() {
        ModuleDescriptor d = descriptorOf(io.flotilla.raft.core.protocol.RaftProtocol.class);
        assertEquals("io.flotilla.raft.core", d.name());
        assertEquals(Set.of("io.flotilla.raft.core.protocol"), unqualifiedExports(d),
                "the runtime package is internal");
        assertEquals(Map.of(SPI + "RaftEngineProvider", Set.of("io.flotilla.raft.core.runtime.FlotillaEngineProvider")),
                provides(d));
        assertEquals(Set.of("java.base", "io.flotilla.raft.api"), requiresNames(d));
    }

    @Test
    void memoryStoreProvidesOneLogStore() {
        ModuleDescriptor d = descriptorOf(io.flotilla.raft.storage.memory.MemoryLogStoreProvider.class);
        assertEquals("io.flotilla.raft.storage.memory", d.name());
        assertEquals(Map.of(SPI + "LogStoreProvider", Set.of("io.flotilla.raft.storage.memory.MemoryLogStoreProvider")),
                provides(d));
        assertEquals(Set.of("java.base", "io.flotilla.raft.api"), requiresNames(d));
    }

    @Test
    void grpcTransportProvidesOneTransportAndExportsNothingPublicly() throws ClassNotFoundException {
        ModuleDescriptor d = descriptorOf(Class.forName("io.flotilla.raft.transport.grpc.GrpcTransportProvider"));
        assertEquals("io.flotilla.raft.transport.grpc", d.name());
        assertEquals(Set.of(), unqualifiedExports(d), "only the generated protobuf package, and only to protobuf");
        assertEquals(Map.of(SPI + "TransportProvider", Set.of("io.flotilla.raft.transport.grpc.GrpcTransportProvider")),
                provides(d));
        assertTrue(d.requires().stream().noneMatch(r -> r.name().startsWith("io.flotilla.")
                && !r.name().equals("io.flotilla.raft.api")), "a plugin depends on raft.api only");
    }

    @Test
    void durableStoresProvideOneLogStoreEachAndDependOnTheApiOnly() throws ClassNotFoundException {
        for (String store : new String[] {"rocksdb.RocksDbLogStoreProvider", "lmdb.LmdbLogStoreProvider"}) {
            String provider = "io.flotilla.raft.storage." + store;
            ModuleDescriptor d = descriptorOf(Class.forName(provider));
            assertEquals(Map.of(SPI + "LogStoreProvider", Set.of(provider)), provides(d));
            assertTrue(d.requires().stream().noneMatch(r -> r.name().startsWith("io.flotilla.")
                    && !r.name().equals("io.flotilla.raft.api")), d.name() + " depends on raft.api only");
        }
    }

    @Test
    void kvServiceIsAnApplicationThatUsesTheSpisOnly() throws ClassNotFoundException {
        ModuleDescriptor d = descriptorOf(Class.forName("io.flotilla.kv.service.main.ServerMain"));
        assertEquals("io.flotilla.kv.service", d.name());
        assertEquals(Set.of(), unqualifiedExports(d), "an application exports nothing for compilation");
        assertTrue(d.requires().stream().filter(r -> r.name().startsWith("io.flotilla."))
                .allMatch(r -> r.name().equals("io.flotilla.raft.api") || r.name().equals("io.flotilla.kv.backend")),
                "the engine, log store, transport and backend are found through their SPIs");
    }

    @Test
    void theContractKitExportsItsSuiteAndProvidesNothing() throws ClassNotFoundException {
        ModuleDescriptor d = descriptorOf(Class.forName("io.flotilla.raft.storage.tck.LogStoreContractTest"));
        assertEquals("io.flotilla.raft.storage.tck", d.name());
        assertEquals(Set.of("io.flotilla.raft.storage.tck"), unqualifiedExports(d));
        assertTrue(d.provides().isEmpty());
    }

    @Test
    void kvBackendExportsItsSpiAndUsesTheProviders() {
        ModuleDescriptor d = descriptorOf(io.flotilla.kv.backend.Backend.class);
        assertEquals("io.flotilla.kv.backend", d.name());
        assertEquals(Set.of("io.flotilla.kv.backend"), unqualifiedExports(d));
        assertTrue(d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
        assertEquals(Set.of(KV_SPI + "BackendProvider"), d.uses());
        assertTrue(d.provides().isEmpty());
        assertEquals(Set.of("java.base"), requiresNames(d));
    }

    @Test
    void kvBackendsProvideOneBackendEachExportNothingAndDependOnTheSpiOnly() throws ClassNotFoundException {
        Map<String, Set<String>> allowed = Map.of(
                "io.flotilla.kv.backend.memory.MemoryBackendProvider", Set.of("java.base", "io.flotilla.kv.backend"),
                "io.flotilla.kv.backend.rocksdb.RocksDbBackendProvider",
                Set.of("java.base", "io.flotilla.kv.backend", "rocksdbjni"));
        for (Map.Entry<String, Set<String>> backend : allowed.entrySet()) {
            String provider = backend.getKey();
            ModuleDescriptor d = descriptorOf(Class.forName(provider));
            assertEquals(provider.substring(0, provider.lastIndexOf('.')), d.name(), "module name = package");
            assertEquals(Map.of(KV_SPI + "BackendProvider", Set.of(provider)), provides(d));
            assertTrue(d.exports().isEmpty() && d.opens().isEmpty(), d.name() + " is reached through the SPI only");
            assertTrue(d.uses().isEmpty(), d.name());
            assertEquals(backend.getValue(), requiresNames(d), d.name());
        }
    }

    @Test
    void theBackendKitExportsItsSuiteAndNeedsTheSpiAndJUnitOnly() throws ClassNotFoundException {
        ModuleDescriptor d = descriptorOf(Class.forName("io.flotilla.kv.backend.tck.BackendContractTest"));
        assertEquals("io.flotilla.kv.backend.tck", d.name());
        assertEquals(Set.of("io.flotilla.kv.backend.tck"), unqualifiedExports(d));
        assertTrue(d.provides().isEmpty());
        assertEquals(Set.of("java.base", "io.flotilla.kv.backend", "org.junit.jupiter.api"), requiresNames(d));
    }

    @Test
    void theDistributionIsALauncherThatExportsNothing() throws ClassNotFoundException {
        ModuleDescriptor d = descriptorOf(Class.forName("io.flotilla.distribution.Main"));
        assertEquals("io.flotilla.distribution", d.name());
        assertEquals(Set.of(), unqualifiedExports(d));
        assertTrue(d.provides().isEmpty());
    }

    @Test
    void testkitExportsTheCheckerAndNeedsNothing() {
        ModuleDescriptor d = descriptorOf(io.flotilla.raft.testkit.linearizability.LinearizabilityChecker.class);
        assertEquals("io.flotilla.raft.testkit", d.name());
        assertEquals(Set.of("io.flotilla.raft.testkit.linearizability"), unqualifiedExports(d));
        assertEquals(Set.of("java.base"), requiresNames(d));
    }

    /** Reads the compiled module-info of the jar or classes directory the class was loaded from. */
    static ModuleDescriptor descriptorOf(Class<?> type) {
        try {
            Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            Set<ModuleReference> found = ModuleFinder.of(location).findAll();
            assertEquals(1, found.size(), "expected one module at " + location);
            return found.iterator().next().descriptor();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<String> unqualifiedExports(ModuleDescriptor d) {
        return d.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<String> requiresNames(ModuleDescriptor d) {
        return d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
    }

    static Map<String, Set<String>> provides(ModuleDescriptor d) {
        Map<String, Set<String>> out = new TreeMap<>();
        d.provides().forEach(p -> out.put(p.service(), Set.copyOf(p.providers())));
        return out;
    }
}
