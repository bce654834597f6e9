/**
 * The public contract of the Flotilla Raft engine: values, the {@link io.flotilla.raft.api.RaftNode} an application
 * talks to, the {@link io.flotilla.raft.api.StateMachine} it implements, the messages peers exchange, and the SPIs
 * ({@link io.flotilla.raft.api.spi}) through which engines, log stores and transports are plugged in.
 *
 * <p>This module depends on the JDK only, so a plugin that depends on it drags in nothing else.
 */
module io.flotilla.raft.api {
    exports io.flotilla.raft.api;
    exports io.flotilla.raft.api.message;
    exports io.flotilla.raft.api.spi;

    // Plugins are found by name through ServiceLoader; the lookup lives here (Plugins) so every caller shares it.
    uses io.flotilla.raft.api.spi.RaftEngineProvider;
    uses io.flotilla.raft.api.spi.LogStoreProvider;
    uses io.flotilla.raft.api.spi.TransportProvider;
}
