package io.flotilla.raft.transport.grpc;

/**
 * A {@code host:port} address, as written in configuration. IPv6 hosts are written in brackets ({@code [::1]:7001}).
 *
 * @param host a host name or IP literal (without brackets)
 * @param port the TCP port
 */
record PeerAddress(String host, int port) {

    /**
     * Parses an address.
     *
     * @param text      the address
     * @param whose     what the address belongs to, for the error message (e.g. {@code "peer n2"})
     * @param allowPort0 whether port 0 (any free port) is acceptable, as it is for a listen address
     * @return the address
     * @throws IllegalArgumentException naming {@code whose} and the expected form
     */
    static PeerAddress parse(String text, String whose, boolean allowPort0) {
        if (text == null) {
            throw invalid(null, whose, "no address given");
        }
        String trimmed = text.trim();
        int colon = trimmed.lastIndexOf(':');
        if (colon <= 0 || colon == trimmed.length() - 1) {
            throw invalid(text, whose, "the host or the port is missing");
        }
        String host = trimmed.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw invalid(text, whose, "write IPv6 hosts in brackets, e.g. [::1]:7001");
        }
        if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
            throw invalid(text, whose, "the host is empty or holds spaces");
        }
        int port;
        try {
            port = Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw invalid(text, whose, "the port is not a number");
        }
        int lowest = allowPort0 ? 0 : 1;
        if (port < lowest || port > 65_535) {
            throw invalid(text, whose, "the port must be from " + lowest + " to 65535");
        }
        return new PeerAddress(host, port);
    }

    private static IllegalArgumentException invalid(String text, String whose, String why) {
        return new IllegalArgumentException("invalid address '" + text + "' for " + whose + ": " + why
                + "; write host:port, e.g. 127.0.0.1:7001");
    }

    /** Returns the address as configured: {@code host:port}, with brackets around IPv6 hosts. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
