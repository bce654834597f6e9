/**
 * The KV backend compatibility kit: {@link io.flotilla.kv.backend.tck.BackendContractTest} checks the
 * {@link io.flotilla.kv.backend.Backend} contract, {@link io.flotilla.kv.backend.tck.BackendCrashTest} checks that a
 * durable backend killed with SIGKILL reopens holding exactly a prefix of its committed batches. A backend module
 * extends them in its tests.
 *
 * <p>The module is open because JUnit reflects over the inherited test methods and injects {@code @TempDir} fields.
 */
open module io.flotilla.kv.backend.tck {
    requires transitive io.flotilla.kv.backend;
    requires transitive org.junit.jupiter.api;

    exports io.flotilla.kv.backend.tck;
}
