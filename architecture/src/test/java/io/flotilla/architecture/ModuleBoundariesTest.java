package io.flotilla.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rules between Flotilla's modules. Plugins and applications meet the engine only through raft.api
 * and ServiceLoader, so any transport and any log store can be mixed with the core.
 */
@AnalyzeClasses(packages = "io.flotilla", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleBoundariesTest {

    @ArchTest
    static final ArchRule apiDependsOnTheJdkOnly = classes()
            .that().resideInAPackage("io.flotilla.raft.api..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.flotilla.raft.api..", "java..")
            .because("raft.api is what plugins compile against: no project module and no third-party type may leak in");

    @ArchTest
    static final ArchRule coreDependsOnTheApiOnly = classes()
            .that().resideInAPackage("io.flotilla.raft.core..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.flotilla.raft.core..", "io.flotilla.raft.api..",
                    "java..")
            .because("the engine must run with any log store and transport, found by name through ServiceLoader");

    @ArchTest
    static final ArchRule storagePluginsDependOnTheApiOnly = noClasses()
            .that().resideInAPackage("io.flotilla.raft.storage..")
            .and().resideOutsideOfPackage("io.flotilla.raft.storage.tck..")
            .should().dependOnClassesThat().resideInAnyPackage("io.flotilla.raft.core..", "io.flotilla.raft.transport..",
                    "io.flotilla.kv..", "io.flotilla.raft.testkit..", "io.flotilla.raft.storage.tck..")
            .because("a log store plugin depends on raft.api only");

    @ArchTest
    static final ArchRule transportPluginsDependOnTheApiOnly = noClasses()
            .that().resideInAPackage("io.flotilla.raft.transport..")
            .should().dependOnClassesThat().resideInAnyPackage("io.flotilla.raft.core..", "io.flotilla.raft.storage..",
                    "io.flotilla.kv..", "io.flotilla.raft.testkit..")
            .allowEmptyShould(true)
            .because("a transport plugin depends on raft.api only");

    @ArchTest
    static final ArchRule kvServiceFindsTheEngineThroughTheApiOnly = noClasses()
            .that().resideInAPackage("io.flotilla.kv..")
            .should().dependOnClassesThat().resideInAnyPackage("io.flotilla.raft.core..", "io.flotilla.raft.storage..",
                    "io.flotilla.raft.transport..", "io.flotilla.raft.testkit..")
            .because("kv.service obtains the engine, log store and transport through ServiceLoader by name");

    @ArchTest
    static final ArchRule kvServiceKnowsGrpcOnlyAtItsEdge = noClasses()
            .that().resideInAnyPackage("io.flotilla.kv.service.node..", "io.flotilla.kv.service.mvcc..",
                    "io.flotilla.kv.service.watch..", "io.flotilla.kv.service.coordination..",
                    "io.flotilla.kv.service.config..", "io.flotilla.kv.service.ops..")
            .should().dependOnClassesThat().resideInAnyPackage("io.grpc..")
            .because("gRPC stays at kv.service's API edge (the api, server and cli packages): the member and the MVCC "
                    + "store report etcd's errors as KvExceptions, which the API turns into gRPC statuses");

    @ArchTest
    static final ArchRule watchersSitAboveTheStoreAndBelowTheMember = noClasses()
            .that().resideInAnyPackage("io.flotilla.kv.service.watch..", "io.flotilla.kv.service.mvcc..")
            .should().dependOnClassesThat().resideInAnyPackage("io.flotilla.kv.service.node..",
                    "io.flotilla.kv.service.api..", "io.flotilla.kv.service.server..")
            .because("the store tells the watchers what it wrote through ChangeListener, the member owns both; a "
                    + "dependency upwards would tie the store and the watch hub to one server");

    @ArchTest
    static final ArchRule operationsSitBelowTheApi = noClasses()
            .that().resideInAPackage("io.flotilla.kv.service.ops..")
            .should().dependOnClassesThat().resideInAnyPackage("io.flotilla.kv.service.api..",
                    "io.flotilla.kv.service.server..", "io.flotilla.kv.service.cli..", "io.flotilla.kv.service.main..")
            .because("health, metrics and the HTTP endpoints read the member; the gRPC API and the server use them");

    @ArchTest
    static final ArchRule onlyOperationsKnowTheMetricsLibrary = noClasses()
            .that().resideOutsideOfPackage("io.flotilla.kv.service.ops..")
            .should().dependOnClassesThat().resideInAPackage("io.prometheus..")
            .because("the Prometheus client stays behind MemberMetrics: the API reports calls through its methods, "
                    + "the engine through raft.api's RaftMetrics");

    @ArchTest
    static final ArchRule kvBackendSpiDependsOnTheJdkOnly = classes()
            .that().resideInAPackage("io.flotilla.kv.backend")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.flotilla.kv.backend", "java..")
            .because("kv.backend is what backend plugins and the MVCC store compile against: nothing may leak in");

    @ArchTest
    static final ArchRule memoryBackendDependsOnTheSpiOnly = classes()
            .that().resideInAPackage("io.flotilla.kv.backend.memory..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.flotilla.kv.backend.memory..",
                    "io.flotilla.kv.backend", "java..")
            .because("a backend plugin depends on the kv.backend SPI only");

    @ArchTest
    static final ArchRule rocksDbBackendDependsOnTheSpiAndRocksDbOnly = classes()
            .that().resideInAPackage("io.flotilla.kv.backend.rocksdb..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.flotilla.kv.backend.rocksdb..",
                    "io.flotilla.kv.backend", "org.rocksdb..", "java..")
            .because("a backend plugin depends on the kv.backend SPI (and its storage library) only");

    @ArchTest
    static final ArchRule backendKitDependsOnTheSpiAndJUnitOnly = classes()
            .that().resideInAPackage("io.flotilla.kv.backend.tck..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.flotilla.kv.backend.tck..",
                    "io.flotilla.kv.backend", "org.junit..", "org.opentest4j..", "java..")
            .because("the backend test kit must run against any backend, found through the SPI");

    @ArchTest
    static final ArchRule nothingButTheKitUsesABackendImplementation = noClasses()
            .that().resideOutsideOfPackages("io.flotilla.kv.backend.memory..", "io.flotilla.kv.backend.rocksdb..")
            .should().dependOnClassesThat().resideInAnyPackage("io.flotilla.kv.backend.memory..",
                    "io.flotilla.kv.backend.rocksdb..")
            .because("backends are found by name through io.flotilla.kv.backend.Backends");

    @ArchTest
    static final ArchRule productionCodeDoesNotUseTheTestkit = noClasses()
            .that().resideOutsideOfPackage("io.flotilla.raft.testkit..")
            .should().dependOnClassesThat().resideInAPackage("io.flotilla.raft.testkit..")
            .because("the testkit is for tests");

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles = slices()
            .matching("io.flotilla.(**)")
            .should().beFreeOfCycles();
}
