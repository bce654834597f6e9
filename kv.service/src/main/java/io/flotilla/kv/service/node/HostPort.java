package io.flotilla.kv.service.node;

import java.util.Objects;

/**
 * A network address written {@code host:port}, as used for client and peer addresses in configuration.
 *
 * @param host a host name or IP address (IPv6 in brackets when written)
 * @param port 1 to 65535, or 0 to let the system choose when listening
 */
public record HostPort(String host, int port) {

    /**
     * Validates the address.
     *
     * @throws IllegalArgumentException for an empty host or a port out of range
     */
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("the host is empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 0 and 65535");
        }
    }

    /**
     * Parses {@code host:port} (also {@code [v6-address]:port}); an {@code http://} prefix, as etcd tools print
     * addresses, is accepted and dropped.
     *
     * @param text the address
     * @return the address
     * @throws IllegalArgumentException naming what is wrong, e.g. a missing or non-numeric port
     */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the address is empty; expected host:port");
        }
        String s = text.trim();
        if (s.startsWith("http://")) {
            s = s.substring("http://".length());
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + text + "' is not host:port (write IPv6 hosts in brackets)");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a port that is not a number", e);
        }
        try {
            return new HostPort(host, port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': " + e.getMessage(), e);
        }
    }

    /** Returns {@code host:port}, with IPv6 hosts in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
