package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.NodeId;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link TransportProvider} is given to create a transport.
 *
 * @param self          the local member
 * @param listenAddress where to accept peers' connections, in the transport's own syntax (e.g. {@code host:port})
 * @param peers         every other member's address
 * @param options       transport-specific settings by name
 */
public record TransportContext(NodeId self, String listenAddress, Map<NodeId, String> peers, Map<String, String> options) {

    /**
     * Freezes the maps.
     *
     * @param self see the record component
     * @param listenAddress see the record component
     * @param peers see the record component
     * @param options see the record component
     */
    public TransportContext {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(listenAddress, "listenAddress");
        peers = Map.copyOf(peers);
        options = Map.copyOf(options);
    }
}
