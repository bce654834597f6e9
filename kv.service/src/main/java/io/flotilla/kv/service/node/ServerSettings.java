package io.flotilla.kv.service.node;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a KV server member needs to start, already validated: produced from a configuration file and
 * command-line flags, or built directly by tests.
 *
 * @param self             this member's id; one of {@code members}
 * @param dataDirectory    where the member keeps its data
 * @param members          every member of the initial cluster, this one included
 * @param raftOptions      engine options, including the names of the log store and transport
 * @param logStoreOptions  options for the log store
 * @param transportOptions options for the transport
 * @param maxRequestBytes  the largest encoded write request accepted
 * @param backend          where and how the MVCC state is kept
 * @param watchProgressNotifyInterval how often watchers that asked for progress notifications get one (etcd's
 *                         {@code experimental-watch-progress-notify-interval}, 10 minutes by default)
 */
public record ServerSettings(
        NodeId self,
        Path dataDirectory,
        List<MemberInfo> members,
        RaftOptions raftOptions,
        Map<String, String> logStoreOptions,
        Map<String, String> transportOptions,
        int maxRequestBytes,
        BackendSettings backend,
        Duration watchProgressNotifyInterval) {

    /** etcd's default progress notification interval. */
    public static final Duration DEFAULT_WATCH_PROGRESS_NOTIFY_INTERVAL = Duration.ofMinutes(10);

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if this member is not among the members or the limit is not positive
     */
    public ServerSettings {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(raftOptions, "raftOptions");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(watchProgressNotifyInterval, "watchProgressNotifyInterval");
        if (watchProgressNotifyInterval.toMillis() < 1) {
            throw new IllegalArgumentException("watchProgressNotifyInterval must be at least 1ms, got "
                    + watchProgressNotifyInterval);
        }
        members = List.copyOf(members);
        logStoreOptions = Map.copyOf(logStoreOptions);
        transportOptions = Map.copyOf(transportOptions);
        if (members.stream().noneMatch(m -> m.id().equals(self))) {
            throw new IllegalArgumentException("member " + self + " is not in the initial cluster "
                    + members.stream().map(m -> m.id().value()).toList());
        }
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException("maxRequestBytes must be at least 1, got " + maxRequestBytes);
        }
    }

    /**
     * Settings with etcd's default progress notification interval.
     *
     * @param self             this member's id
     * @param dataDirectory    where the member keeps its data
     * @param members          every member of the initial cluster
     * @param raftOptions      engine options
     * @param logStoreOptions  options for the log store
     * @param transportOptions options for the transport
     * @param maxRequestBytes  the largest encoded write request accepted
     * @param backend          where and how the MVCC state is kept
     */
    public ServerSettings(NodeId self, Path dataDirectory, List<MemberInfo> members, RaftOptions raftOptions,
                          Map<String, String> logStoreOptions, Map<String, String> transportOptions,
                          int maxRequestBytes, BackendSettings backend) {
        this(self, dataDirectory, members, raftOptions, logStoreOptions, transportOptions, maxRequestBytes, backend,
                DEFAULT_WATCH_PROGRESS_NOTIFY_INTERVAL);
    }

    /**
     * Settings with the default backend ({@link BackendSettings#DEFAULT_BACKEND}, etcd's defaults otherwise).
     *
     * @param self             this member's id
     * @param dataDirectory    where the member keeps its data
     * @param members          every member of the initial cluster
     * @param raftOptions      engine options
     * @param logStoreOptions  options for the log store
     * @param transportOptions options for the transport
     * @param maxRequestBytes  the largest encoded write request accepted
     */
    public ServerSettings(NodeId self, Path dataDirectory, List<MemberInfo> members, RaftOptions raftOptions,
                          Map<String, String> logStoreOptions, Map<String, String> transportOptions,
                          int maxRequestBytes) {
        this(self, dataDirectory, members, raftOptions, logStoreOptions, transportOptions, maxRequestBytes,
                BackendSettings.of(BackendSettings.DEFAULT_BACKEND));
    }

    /** Returns this member's entry. */
    public MemberInfo selfMember() {
        return members.stream().filter(m -> m.id().equals(self)).findFirst().orElseThrow();
    }
}
