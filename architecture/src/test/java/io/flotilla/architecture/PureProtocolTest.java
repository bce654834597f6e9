package io.flotilla.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The protocol package is a pure, deterministic state machine: no I/O, threads or clocks. That is what lets the
 * simulation replay any run from its seed; the runtime package does the I/O.
 */
@AnalyzeClasses(packages = "io.flotilla.raft.core.protocol", importOptions = ImportOption.DoNotIncludeTests.class)
class PureProtocolTest {

    @ArchTest
    static final ArchRule noIo = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("java.io..", "java.net..", "java.nio.channels..",
                    "java.nio.file..")
            .because("the protocol's effects leave it as data (Ready), the runtime performs them");

    @ArchTest
    static final ArchRule noThreads = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("java.util.concurrent..")
            .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
            .because("one caller drives the protocol; concurrency lives in the runtime");

    @ArchTest
    static final ArchRule noClocks = noClasses()
            .should().callMethod(System.class, "currentTimeMillis")
            .orShould().callMethod(System.class, "nanoTime")
            .orShould().dependOnClassesThat().resideInAPackage("java.time..")
            .because("time enters the protocol only as ticks");

    @ArchTest
    static final ArchRule noHiddenRandomness = noClasses()
            .should().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
            .orShould().callMethod(Math.class, "random")
            .because("randomness is injected, so a seed replays a run exactly");
}
