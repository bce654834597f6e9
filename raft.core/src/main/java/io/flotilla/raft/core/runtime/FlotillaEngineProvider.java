package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftNode;
import io.flotilla.raft.api.RaftNodeConfig;
import io.flotilla.raft.api.StateMachine;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.api.spi.Plugins;
import io.flotilla.raft.api.spi.RaftEngineProvider;
import io.flotilla.raft.api.spi.Transport;
import io.flotilla.raft.api.spi.TransportContext;
import io.flotilla.raft.api.spi.TransportProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Provides Flotilla's own engine under the name {@code "flotilla"}. */
public final class FlotillaEngineProvider implements RaftEngineProvider {

    /** The engine's name. */
    public static final String NAME = "flotilla";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor). */
    public FlotillaEngineProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RaftNode start(RaftNodeConfig config, StateMachine stateMachine) {
        // Resolve both plugins before opening anything, so a misspelt name fails without side effects.
        LogStoreProvider stores = Plugins.logStore(config.options().logStore());
        TransportProvider transports = Plugins.transport(config.options().transport());
        Map<NodeId, String> peers = new HashMap<>(config.initialMembers());
        String listenAddress = peers.remove(config.self());
        ClusterConfiguration configuration = ClusterConfiguration.ofVoters(config.initialMembers().keySet());

        LogStore store = stores.open(new LogStoreContext(config.self(), config.dataDirectory().resolve("log"),
                config.logStoreOptions()));
        Transport transport;
        try {
            transport = transports.create(new TransportContext(config.self(), listenAddress, peers,
                    config.transportOptions()));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            return RaftNodeRuntime.start(config.self(), configuration, config.initialMembers(), config.options(), store,
                    transport, stateMachine, config.dataDirectory().resolve("snapshots"), System::nanoTime,
                    new SplittableRandom(), config.metrics());
        } catch (RuntimeException e) {
            // Recovery refused to start (say, a state machine ahead of the log): release the store (a durable one
            // holds a lock on its directory) and the transport, so the caller can fix things and start again.
            try {
                transport.close();
            } finally {
                store.close();
            }
            throw e;
        }
    }
}
