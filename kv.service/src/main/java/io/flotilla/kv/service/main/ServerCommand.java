package io.flotilla.kv.service.main;

import io.flotilla.kv.service.cli.FlotillaVersion;
import io.flotilla.kv.service.config.ConfigException;
import io.flotilla.kv.service.config.ConfigFile;
import io.flotilla.kv.service.config.ConfigLoader;
import io.flotilla.kv.service.config.ConfigResolver;
import io.flotilla.kv.service.config.ServerConfig;
import io.flotilla.kv.service.ops.Logging;
import io.flotilla.kv.service.server.KvServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla-server}: runs one member of a Flotilla KV cluster. Settings come from a YAML file
 * ({@code --config}); every flag overrides the file's value. Stops cleanly on SIGTERM or Ctrl-C.
 */
@Command(name = "flotilla-server", mixinStandardHelpOptions = true, versionProvider = FlotillaVersion.class,
        sortOptions = false,
        description = "Runs one member of a Flotilla key-value cluster (etcd v3 API).%n"
                + "Flags override the values of the --config file.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly", "1:could not start", "2:invalid configuration or usage"})
public final class ServerCommand implements Callable<Integer> {

    /** Exit code for a configuration the server refuses. */
    static final int INVALID_CONFIG = 2;
    /** Exit code for a failure to start with a valid configuration (port in use, unreadable data). */
    static final int CANNOT_START = 1;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML (or JSON) configuration file.")
    private Path config;

    @Option(names = "--node-id", paramLabel = "ID", description = "This member's id (config: nodeId).")
    private String nodeId;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (config: dataDir).")
    private String dataDir;

    @Option(names = "--client-address", paramLabel = "HOST:PORT",
            description = "Where to listen for clients (config: clientAddress).")
    private String clientAddress;

    @Option(names = "--peer-address", paramLabel = "HOST:PORT",
            description = "Where the Raft transport listens (config: peerAddress).")
    private String peerAddress;

    @Option(names = "--member", paramLabel = "ID=PEER/CLIENT",
            description = "A member of the initial cluster, e.g. n1=127.0.0.1:2380/127.0.0.1:2379; repeat for each "
                    + "(config: cluster). Replaces the file's entry for the same id.")
    private List<String> members = List.of();

    @Option(names = "--log-store", paramLabel = "NAME", description = "Log store (config: logStore.name).")
    private String logStore;

    @Option(names = "--log-store-option", paramLabel = "KEY=VALUE", description = "Log store option; repeatable.")
    private Map<String, String> logStoreOptions = new LinkedHashMap<>();

    @Option(names = "--transport", paramLabel = "NAME", description = "Transport (config: transport.name).")
    private String transport;

    @Option(names = "--transport-option", paramLabel = "KEY=VALUE", description = "Transport option; repeatable.")
    private Map<String, String> transportOptions = new LinkedHashMap<>();

    @Option(names = "--engine-option", paramLabel = "NAME=VALUE",
            description = "Engine option such as electionTimeoutMinMillis=300; repeatable (config: engine).")
    private Map<String, String> engineOptions = new LinkedHashMap<>();

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Where the MVCC state is kept: rocksdb (durable) or memory (config: backend.name; "
                    + "default rocksdb).")
    private String backend;

    @Option(names = "--backend-option", paramLabel = "KEY=VALUE", description = "Backend option; repeatable.")
    private Map<String, String> backendOptions = new LinkedHashMap<>();

    @Option(names = "--quota-backend-bytes", paramLabel = "N",
            description = "Backend size past which writes fail with a NOSPACE alarm, as etcd; k, m, g suffixes; "
                    + "0 means the default 2 GiB, a negative value turns the quota off (config: quotaBackendBytes).")
    private String quotaBackendBytes;

    @Option(names = "--auto-compaction-mode", paramLabel = "MODE",
            description = "periodic or revision (config: autoCompactionMode; default periodic).")
    private String autoCompactionMode;

    @Option(names = "--auto-compaction-retention", paramLabel = "RETENTION",
            description = "History to keep: for periodic a duration (1h, 30m; a bare number is hours), for revision "
                    + "a number of revisions; 0 turns auto-compaction off (config: autoCompactionRetention; "
                    + "default 0).")
    private String autoCompactionRetention;

    @Option(names = "--experimental-watch-progress-notify-interval", paramLabel = "DURATION",
            description = "How often watchers that asked for progress notifications get one, e.g. 10m or 500ms "
                    + "(config: watchProgressNotifyInterval; default 10m, as etcd).")
    private String watchProgressNotifyInterval;

    @Option(names = "--max-request-bytes", paramLabel = "N",
            description = "Largest write request (config: maxRequestBytes; default 1572864).")
    private Integer maxRequestBytes;

    @Option(names = "--listen-metrics-urls", paramLabel = "URL",
            description = "Where to serve /health, /version and /metrics over HTTP, e.g. http://127.0.0.1:2381, as "
                    + "etcd (config: listenMetricsUrls; default none).")
    private String listenMetricsUrls;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "debug, info, warn or error, as etcd (config: logLevel; default info).")
    private String logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT",
            description = "console (text lines) or json (a JSON object per line, for log shippers), as etcd "
                    + "(config: logFormat; default console).")
    private String logFormat;

    @Option(names = "--shutdown-grace-millis", paramLabel = "MS",
            description = "Time requests in flight get at shutdown (config: shutdownGraceMillis; default 5000).")
    private Long shutdownGraceMillis;

    /** Creates the command; picocli fills the fields. */
    public ServerCommand() {
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        ServerConfig resolved;
        try {
            resolved = ConfigResolver.resolve(withOverrides(config == null ? new ConfigFile()
                    : ConfigLoader.load(config)));
        } catch (ConfigException e) {
            err.println("flotilla-server: invalid configuration:");
            e.problems().forEach(p -> err.println("  " + p));
            err.flush();
            return INVALID_CONFIG;
        }
        Logging.apply(resolved.logLevel(), resolved.logFormat());
        Logger log = LoggerFactory.getLogger(ServerCommand.class);
        log.info("starting member {}: data {}, cluster {}, {}", resolved.settings().self(),
                resolved.settings().dataDirectory(), resolved.settings().members(), resolved.settings().raftOptions());
        KvServer server;
        try {
            server = KvServer.start(resolved.settings(), resolved.clientListenAddress(), resolved.shutdownGrace(),
                    resolved.metricsAddress());
        } catch (RuntimeException e) {
            err.println("flotilla-server: cannot start member " + resolved.settings().self() + ": " + e.getMessage());
            err.flush();
            log.debug("start failure", e);
            return CANNOT_START;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "flotilla-shutdown"));
        server.awaitTermination();
        return 0;
    }

    /** Applies the flags on top of the file. */
    ConfigFile withOverrides(ConfigFile file) {
        if (nodeId != null) {
            file.nodeId = nodeId;
        }
        if (dataDir != null) {
            file.dataDir = dataDir;
        }
        if (clientAddress != null) {
            file.clientAddress = clientAddress;
        }
        if (peerAddress != null) {
            file.peerAddress = peerAddress;
        }
        for (String member : members) {
            addMember(file, member);
        }
        if (logStore != null) {
            file.logStore.name = logStore;
        }
        file.logStore.options.putAll(logStoreOptions);
        if (transport != null) {
            file.transport.name = transport;
        }
        file.transport.options.putAll(transportOptions);
        file.engine.putAll(engineOptions);
        if (backend != null) {
            file.backend.name = backend;
        }
        file.backend.options.putAll(backendOptions);
        if (quotaBackendBytes != null) {
            file.quotaBackendBytes = quotaBackendBytes;
        }
        if (autoCompactionMode != null) {
            file.autoCompactionMode = autoCompactionMode;
        }
        if (autoCompactionRetention != null) {
            file.autoCompactionRetention = autoCompactionRetention;
        }
        if (watchProgressNotifyInterval != null) {
            file.watchProgressNotifyInterval = watchProgressNotifyInterval;
        }
        if (maxRequestBytes != null) {
            file.maxRequestBytes = maxRequestBytes;
        }
        if (listenMetricsUrls != null) {
            file.listenMetricsUrls = listenMetricsUrls;
        }
        if (logLevel != null) {
            file.logLevel = logLevel;
        }
        if (logFormat != null) {
            file.logFormat = logFormat;
        }
        if (shutdownGraceMillis != null) {
            file.shutdownGraceMillis = shutdownGraceMillis;
        }
        return file;
    }

    private void addMember(ConfigFile file, String spec) {
        int eq = spec.indexOf('=');
        int slash = spec.indexOf('/', Math.max(eq, 0));
        if (eq <= 0 || slash < 0) {
            throw new CommandLine.ParameterException(this.spec.commandLine(),
                    "--member '" + spec + "': expected ID=PEER_HOST:PORT/CLIENT_HOST:PORT");
        }
        ConfigFile.MemberEntry entry = new ConfigFile.MemberEntry();
        entry.peer = spec.substring(eq + 1, slash);
        entry.client = spec.substring(slash + 1);
        file.cluster.put(spec.substring(0, eq), entry);
    }
}
