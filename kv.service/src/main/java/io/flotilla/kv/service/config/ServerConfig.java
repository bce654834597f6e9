package io.flotilla.kv.service.config;

import io.flotilla.kv.service.node.HostPort;
import io.flotilla.kv.service.node.ServerSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * A validated server configuration: the member's settings plus what only the process needs.
 *
 * @param settings            the member's settings
 * @param clientListenAddress where to accept clients (may differ from the advertised address, e.g. 0.0.0.0)
 * @param shutdownGrace       how long shutdown lets requests in flight finish
 * @param metricsAddress      where to serve /health, /version and /metrics over HTTP, or null for nowhere
 * @param logLevel            etcd's log level name
 * @param logFormat           console or json
 */
public record ServerConfig(ServerSettings settings, HostPort clientListenAddress, Duration shutdownGrace,
                           HostPort metricsAddress, String logLevel, String logFormat) {

    /** Validates the record. */
    public ServerConfig {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(clientListenAddress, "clientListenAddress");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    }
}
