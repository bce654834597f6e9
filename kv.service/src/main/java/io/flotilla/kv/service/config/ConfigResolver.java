package io.flotilla.kv.service.config;

import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.service.mvcc.RequestLimits;
import io.flotilla.kv.service.node.AutoCompaction;
import io.flotilla.kv.service.node.BackendSettings;
import io.flotilla.kv.service.node.HostPort;
import io.flotilla.kv.service.node.MemberInfo;
import io.flotilla.kv.service.node.ServerSettings;
import io.flotilla.kv.service.ops.Logging;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.UnknownPluginException;
import io.flotilla.raft.api.spi.Plugins;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Validates a {@link ConfigFile} (with command-line overrides already applied) and turns it into a
 * {@link ServerConfig}. Every problem is collected, so one start attempt reports them all, each naming its field.
 */
public final class ConfigResolver {

    /** Default shutdown grace period. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

    private ConfigResolver() {
    }

    /**
     * Validates the configuration.
     *
     * @param file the configuration
     * @return the validated configuration
     * @throws ConfigException listing every problem
     */
    public static ServerConfig resolve(ConfigFile file) {
        List<String> problems = new ArrayList<>();
        NodeId self = nodeId(file.nodeId, problems);
        List<MemberInfo> members = members(file.cluster, problems);
        MemberInfo selfMember = null;
        if (self != null && !file.cluster.isEmpty()) {
            selfMember = members.stream().filter(m -> m.id().equals(self)).findFirst().orElse(null);
            if (selfMember == null && file.cluster.keySet().stream().noneMatch(self.value()::equals)) {
                problems.add("nodeId: '" + self + "' is not in cluster (members: "
                        + String.join(", ", file.cluster.keySet()) + ")");
            }
        }
        HostPort listen = selfMember == null ? null : selfMember.clientAddress();
        if (file.clientAddress != null) {
            listen = address("clientAddress", file.clientAddress, problems);
        }
        if (file.peerAddress != null && selfMember != null) {
            HostPort peer = address("peerAddress", file.peerAddress, problems);
            if (peer != null && !peer.equals(selfMember.peerAddress())) {
                problems.add("peerAddress: '" + peer + "' differs from cluster." + self + ".peer '"
                        + selfMember.peerAddress() + "'; the transport listens on the address the other members use");
            }
        }
        RaftOptions options = raftOptions(file, problems);
        noMissingValues("logStore.options", file.logStore.options, problems);
        noMissingValues("transport.options", file.transport.options, problems);
        noMissingValues("backend.options", file.backend.options, problems);
        BackendSettings backend = backend(file, problems);
        int maxRequestBytes = file.maxRequestBytes == null ? RequestLimits.DEFAULT_MAX_REQUEST_BYTES
                : file.maxRequestBytes;
        if (maxRequestBytes < 1) {
            problems.add("maxRequestBytes: must be at least 1, got " + maxRequestBytes);
        }
        Duration progressInterval = ServerSettings.DEFAULT_WATCH_PROGRESS_NOTIFY_INTERVAL;
        if (file.watchProgressNotifyInterval != null) {
            double millis = AutoCompaction.parseDuration(file.watchProgressNotifyInterval.trim());
            if (Double.isNaN(millis) || millis < 1 || millis > Long.MAX_VALUE / 2.0) {
                problems.add("watchProgressNotifyInterval: must be a duration of at least 1ms such as 10m or 500ms,"
                        + " got '" + file.watchProgressNotifyInterval + "'");
            } else {
                progressInterval = Duration.ofMillis((long) millis);
            }
        }
        long graceMillis = file.shutdownGraceMillis == null ? DEFAULT_SHUTDOWN_GRACE.toMillis()
                : file.shutdownGraceMillis;
        if (graceMillis < 0) {
            problems.add("shutdownGraceMillis: must not be negative, got " + graceMillis);
        }
        HostPort metrics = file.listenMetricsUrls == null ? null : metricsUrl(file.listenMetricsUrls, problems);
        String logLevel = file.logLevel == null ? "info" : file.logLevel.trim().toLowerCase(Locale.ROOT);
        if (!Logging.LEVELS.contains(logLevel)) {
            problems.add("logLevel: must be one of " + String.join(", ", Logging.LEVELS) + ", got '" + file.logLevel
                    + "'");
        }
        String logFormat = file.logFormat == null ? "console" : file.logFormat.trim().toLowerCase(Locale.ROOT);
        if (!Logging.FORMATS.contains(logFormat)) {
            problems.add("logFormat: must be one of " + String.join(", ", Logging.FORMATS) + ", got '"
                    + file.logFormat + "'");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Path dataDir = Path.of(file.dataDir != null ? file.dataDir : "./" + self + ".flotilla");
        ServerSettings settings = new ServerSettings(self, dataDir, members, options,
                nonNull(file.logStore.options), nonNull(file.transport.options), maxRequestBytes, backend,
                progressInterval);
        return new ServerConfig(settings, listen, Duration.ofMillis(graceMillis), metrics, logLevel, logFormat);
    }

    /** etcd's {@code --listen-metrics-urls} value: one {@code http://host:port} URL (a bare host:port is taken too). */
    private static HostPort metricsUrl(String value, List<String> problems) {
        String url = value.trim();
        if (url.contains(",")) {
            problems.add("listenMetricsUrls: one URL only, got '" + value + "'");
            return null;
        }
        if (url.startsWith("https://")) {
            problems.add("listenMetricsUrls: https is not supported yet (no TLS), got '" + value + "'");
            return null;
        }
        if (url.startsWith("http://")) {
            url = url.substring("http://".length());
        }
        if (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        return address("listenMetricsUrls", url, problems);
    }

    private static BackendSettings backend(ConfigFile file, List<String> problems) {
        String name = file.backend.name != null ? file.backend.name : BackendSettings.DEFAULT_BACKEND;
        try {
            Backends.provider(name);
        } catch (IllegalArgumentException e) {
            problems.add("backend.name: " + e.getMessage());
        }
        long quota = 0;
        if (file.quotaBackendBytes != null) {
            try {
                quota = BackendContext.parseBytes(file.quotaBackendBytes);
            } catch (IllegalArgumentException e) {
                problems.add("quotaBackendBytes: " + e.getMessage());
            }
        }
        String mode = file.autoCompactionMode != null ? file.autoCompactionMode : AutoCompaction.PERIODIC;
        String retention = file.autoCompactionRetention != null ? file.autoCompactionRetention : "0";
        try {
            AutoCompaction.validateMode(mode);
            try {
                AutoCompaction.validate(mode, retention);
            } catch (IllegalArgumentException e) {
                problems.add("autoCompactionRetention: " + e.getMessage());
            }
        } catch (IllegalArgumentException e) {
            problems.add("autoCompactionMode: " + e.getMessage());
        }
        return new BackendSettings(name, nonNull(file.backend.options), quota, mode, retention);
    }

    private static NodeId nodeId(String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add("nodeId: missing; set it in the config file or with --node-id");
            return null;
        }
        try {
            return NodeId.of(value);
        } catch (IllegalArgumentException e) {
            problems.add("nodeId: " + e.getMessage());
            return null;
        }
    }

    private static List<MemberInfo> members(Map<String, ConfigFile.MemberEntry> cluster, List<String> problems) {
        List<MemberInfo> members = new ArrayList<>();
        if (cluster == null || cluster.isEmpty()) {
            problems.add("cluster: no members; list every member as <id>: {peer: host:port, client: host:port}");
            return members;
        }
        Map<HostPort, String> used = new HashMap<>();
        for (Map.Entry<String, ConfigFile.MemberEntry> e : cluster.entrySet()) {
            String field = "cluster." + e.getKey();
            NodeId id;
            try {
                id = NodeId.of(e.getKey());
            } catch (IllegalArgumentException bad) {
                problems.add(field + ": " + bad.getMessage());
                continue;
            }
            ConfigFile.MemberEntry entry = e.getValue() == null ? new ConfigFile.MemberEntry() : e.getValue();
            HostPort peer = required(field + ".peer", entry.peer, problems);
            HostPort client = required(field + ".client", entry.client, problems);
            unique(field + ".peer", peer, used, problems);
            unique(field + ".client", client, used, problems);
            if (peer != null && client != null) {
                members.add(new MemberInfo(id, peer, client));
            }
        }
        return members;
    }

    private static void unique(String field, HostPort address, Map<HostPort, String> used, List<String> problems) {
        if (address == null) {
            return;
        }
        String other = used.putIfAbsent(address, field);
        if (other != null) {
            problems.add(field + ": '" + address + "' is already used by " + other);
        }
    }

    private static HostPort required(String field, String value, List<String> problems) {
        if (value == null) {
            problems.add(field + ": missing; expected host:port");
            return null;
        }
        return address(field, value, problems);
    }

    private static HostPort address(String field, String value, List<String> problems) {
        try {
            return HostPort.parse(value);
        } catch (IllegalArgumentException e) {
            problems.add(field + ": " + e.getMessage());
            return null;
        }
    }

    private static RaftOptions raftOptions(ConfigFile file, List<String> problems) {
        RaftOptions.Builder builder = RaftOptions.builder();
        String logStore = file.logStore.name != null ? file.logStore.name : RaftOptions.defaults().logStore();
        String transport = file.transport.name != null ? file.transport.name : RaftOptions.defaults().transport();
        plugin("logStore.name", logStore, Plugins::logStore, problems);
        plugin("transport.name", transport, Plugins::transport, problems);
        builder.logStore(logStore).transport(transport);
        EngineOptionsBinder.apply(nonNull(file.engine), builder, problems);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            problems.add("engine: " + e.getMessage());
            return null;
        }
    }

    private static void plugin(String field, String name, Function<String, ?> lookup, List<String> problems) {
        try {
            lookup.apply(name);
        } catch (UnknownPluginException e) {
            problems.add(field + ": " + e.getMessage());
        }
    }

    private static void noMissingValues(String field, Map<String, String> options, List<String> problems) {
        if (options != null) {
            options.forEach((name, value) -> {
                if (value == null) {
                    problems.add(field + "." + name + ": missing value");
                }
            });
        }
    }

    private static Map<String, String> nonNull(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
