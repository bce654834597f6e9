package io.flotilla.kv.service.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server configuration as written in a YAML (or JSON) file, before validation; command-line flags are applied
 * on top of it. Field names are the file's keys; null means "not given". Read by Jackson, which rejects unknown keys.
 */
public final class ConfigFile {

    /** This member's id (required). */
    public String nodeId;
    /** Where the member keeps its data; default {@code ./<nodeId>.flotilla}. */
    public String dataDir;
    /** Where to listen for clients, {@code host:port}; default: this member's {@code cluster} client address. */
    public String clientAddress;
    /** Where the Raft transport listens; if given, must equal this member's {@code cluster} peer address. */
    public String peerAddress;
    /** Every member of the initial cluster by id, this one included (required). */
    public Map<String, MemberEntry> cluster = new LinkedHashMap<>();
    /** The Raft log store; default {@code rocksdb}. */
    public PluginSection logStore = new PluginSection();
    /** The Raft transport; default {@code grpc}. */
    public PluginSection transport = new PluginSection();
    /** Where the MVCC state is kept (etcd's backend); default {@code rocksdb}, in {@code <dataDir>/kv}. */
    public PluginSection backend = new PluginSection();
    /**
     * etcd's {@code quota-backend-bytes}: past this size on disk, writes fail with a NOSPACE alarm; default 2 GiB (a
     * size suffix k, m or g may be used); a negative value turns the quota off.
     */
    public String quotaBackendBytes;
    /** etcd's {@code auto-compaction-mode}: {@code periodic} (default) or {@code revision}. */
    public String autoCompactionMode;
    /**
     * etcd's {@code auto-compaction-retention}: how much history to keep, e.g. {@code 1h} or {@code 30m} (a bare
     * number is hours) for {@code periodic}, a number of revisions for {@code revision}; default {@code 0}, off.
     */
    public String autoCompactionRetention;
    /** Engine tuning: {@code RaftOptions} fields by name, e.g. {@code electionTimeoutMinMillis: 300}. */
    public Map<String, String> engine = new LinkedHashMap<>();
    /** Largest write request in bytes; default 1.5 MiB, as etcd. */
    public Integer maxRequestBytes;
    /**
     * etcd's {@code experimental-watch-progress-notify-interval}: how often watchers that asked for progress
     * notifications get one, a duration such as {@code 10m} or {@code 500ms}; default 10m.
     */
    public String watchProgressNotifyInterval;
    /** How long shutdown lets requests in flight finish, in milliseconds; default 5000. */
    public Long shutdownGraceMillis;
    /**
     * etcd's {@code listen-metrics-urls}: where to serve {@code /health}, {@code /version} and {@code /metrics} over
     * HTTP, e.g. {@code http://127.0.0.1:2381} (one URL); none by default.
     */
    public String listenMetricsUrls;
    /** etcd's {@code log-level}: debug, info (default), warn, error (panic and fatal are taken as error). */
    public String logLevel;
    /** etcd's {@code log-format}: console (text lines, the default) or json (one JSON object per line). */
    public String logFormat;

    /** Creates an empty configuration. */
    public ConfigFile() {
    }

    /** One member's addresses. */
    public static final class MemberEntry {
        /** Where the member's Raft transport listens, {@code host:port}. */
        public String peer;
        /** Where the member serves clients, {@code host:port}. */
        public String client;

        /** Creates an empty entry. */
        public MemberEntry() {
        }
    }

    /** A plugin chosen by name, with its options. */
    public static final class PluginSection {
        /** The provider's name. */
        public String name;
        /** Provider-specific options. */
        public Map<String, String> options = new LinkedHashMap<>();

        /** Creates an empty section. */
        public PluginSection() {
        }
    }
}
