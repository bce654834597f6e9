package io.flotilla.raft.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to start one member.
 *
 * @param self             this member's id; must be one of {@code initialMembers}
 * @param initialMembers   the voters of a new cluster and each one's peer address (the transport's syntax); used only
 *                         when the log store is empty — a member that restarts recovers its configuration from its log
 * @param dataDirectory    where the member keeps its data (the log store gets a subdirectory)
 * @param options          engine tuning, including which log store and transport to use
 * @param logStoreOptions  options for the log store (see its documentation)
 * @param transportOptions options for the transport (see its documentation)
 * @param metrics          where the engine reports its disk writes and snapshots ({@link RaftMetrics#NONE}: nowhere)
 */
public record RaftNodeConfig(
        NodeId self,
        Map<NodeId, String> initialMembers,
        Path dataDirectory,
        RaftOptions options,
        Map<String, String> logStoreOptions,
        Map<String, String> transportOptions,
        RaftMetrics metrics) {

    /**
     * Validates the configuration.
     *
     * @throws IllegalArgumentException if {@code self} is not among the initial members
     *
     * @param self see the record component
     * @param initialMembers see the record component
     * @param dataDirectory see the record component
     * @param options see the record component
     * @param logStoreOptions see the record component
     * @param transportOptions see the record component
     * @param metrics see the record component
     */
    public RaftNodeConfig {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(metrics, "metrics");
        initialMembers = Map.copyOf(initialMembers);
        logStoreOptions = Map.copyOf(logStoreOptions);
        transportOptions = Map.copyOf(transportOptions);
        if (!initialMembers.containsKey(self)) {
            throw new IllegalArgumentException(
                    "member " + self + " is not in the initial cluster " + initialMembers.keySet());
        }
    }

    /**
     * A configuration whose engine reports no metrics.
     *
     * @param self             this member's id; must be one of {@code initialMembers}
     * @param initialMembers   the voters of a new cluster and each one's peer address
     * @param dataDirectory    where the member keeps its data
     * @param options          engine tuning
     * @param logStoreOptions  options for the log store
     * @param transportOptions options for the transport
     */
    public RaftNodeConfig(NodeId self, Map<NodeId, String> initialMembers, Path dataDirectory, RaftOptions options,
                          Map<String, String> logStoreOptions, Map<String, String> transportOptions) {
        this(self, initialMembers, dataDirectory, options, logStoreOptions, transportOptions, RaftMetrics.NONE);
    }
}
