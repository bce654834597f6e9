package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.RaftNode;
import io.flotilla.raft.api.RaftNodeConfig;
import io.flotilla.raft.api.StateMachine;

/**
 * Makes running {@link RaftNode}s. Applications such as the key-value service obtain the engine through this SPI
 * ({@link Plugins#engine(String)}) and so never depend on the engine's implementation module.
 */
public interface RaftEngineProvider {

    /**
     * Returns the engine's name; Flotilla's own engine is {@code "flotilla"}.
     *
     * @return the name
     */
    String name();

    /**
     * Opens the member's log store, recovers its state, creates and starts its transport and starts the node.
     *
     * @param config       the member's identity, cluster, directory and options
     * @param stateMachine the application's state machine, driven from the node's apply thread
     * @return the running node
     * @throws io.flotilla.raft.api.UnknownPluginException if the configured log store or transport is not provided
     * @throws IllegalArgumentException                    for an invalid configuration
     */
    RaftNode start(RaftNodeConfig config, StateMachine stateMachine);
}
