/**
 * The log store compatibility kit: {@link io.flotilla.raft.storage.tck.LogStoreContractTest} checks the
 * {@link io.flotilla.raft.api.spi.LogStore} contract, {@link io.flotilla.raft.storage.tck.LogStoreCrashTest} checks
 * that acknowledged writes survive SIGKILL. A store module extends both in its tests.
 *
 * <p>The module is open because JUnit reflects over the inherited test methods and injects {@code @TempDir} fields.
 */
open module io.flotilla.raft.storage.tck {
    requires transitive io.flotilla.raft.api;
    requires transitive org.junit.jupiter.api;

    exports io.flotilla.raft.storage.tck;
}
