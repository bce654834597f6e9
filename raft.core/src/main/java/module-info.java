/**
 * Flotilla's Raft engine. The protocol ({@code io.flotilla.raft.core.protocol}) is a pure state machine; the runtime
 * ({@code io.flotilla.raft.core.runtime}) drives it with threads, the log store and the transport. Applications reach
 * it only through {@link io.flotilla.raft.api.spi.RaftEngineProvider} under the name {@code "flotilla"}.
 */
module io.flotilla.raft.core {
    requires transitive io.flotilla.raft.api;

    // The protocol is exported for simulators and tools that drive it directly; the runtime stays internal.
    exports io.flotilla.raft.core.protocol;

    provides io.flotilla.raft.api.spi.RaftEngineProvider with io.flotilla.raft.core.runtime.FlotillaEngineProvider;
}
