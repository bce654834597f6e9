package io.flotilla.raft.transport.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of the gRPC transport, given by name in {@code RaftNodeConfig.transportOptions()}.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code maxMessageBytes}</td><td>16777216 (16 MiB)</td><td>largest encoded message sent or accepted;
 *       larger ones are dropped and counted</td></tr>
 *   <tr><td>{@code queueCapacity}</td><td>4096</td><td>messages queued per peer; when full, the oldest is dropped</td></tr>
 *   <tr><td>{@code reconnectBackoffMinMillis}</td><td>50</td><td>first pause before reconnecting to a peer</td></tr>
 *   <tr><td>{@code reconnectBackoffMaxMillis}</td><td>2000</td><td>cap of the doubling pause</td></tr>
 *   <tr><td>{@code closeTimeoutMillis}</td><td>2000</td><td>how long {@code close()} waits for threads and sockets</td></tr>
 * </table>
 *
 * @param maxMessageBytes           largest encoded envelope, in bytes
 * @param queueCapacity             per-peer queue bound, in messages
 * @param reconnectBackoffMinMillis first reconnection pause
 * @param reconnectBackoffMaxMillis longest reconnection pause
 * @param closeTimeoutMillis        bound on the wait in {@code close()}
 */
record GrpcTransportOptions(int maxMessageBytes, int queueCapacity, long reconnectBackoffMinMillis,
                            long reconnectBackoffMaxMillis, long closeTimeoutMillis) {

    static final String MAX_MESSAGE_BYTES = "maxMessageBytes";
    static final String QUEUE_CAPACITY = "queueCapacity";
    static final String RECONNECT_BACKOFF_MIN_MILLIS = "reconnectBackoffMinMillis";
    static final String RECONNECT_BACKOFF_MAX_MILLIS = "reconnectBackoffMaxMillis";
    static final String CLOSE_TIMEOUT_MILLIS = "closeTimeoutMillis";

    /** Every option name, sorted, for error messages. */
    static final Set<String> NAMES = new TreeSet<>(Set.of(MAX_MESSAGE_BYTES, QUEUE_CAPACITY,
            RECONNECT_BACKOFF_MIN_MILLIS, RECONNECT_BACKOFF_MAX_MILLIS, CLOSE_TIMEOUT_MILLIS));

    /** Returns the defaults. */
    static GrpcTransportOptions defaults() {
        return parse(Map.of());
    }

    /**
     * Reads and validates options by name; absent ones take their defaults.
     *
     * @param options option values by name
     * @return the options
     * @throws IllegalArgumentException naming every unknown option (with the known ones) and every invalid value
     */
    static GrpcTransportOptions parse(Map<String, String> options) {
        List<String> problems = new ArrayList<>();
        for (String name : new TreeSet<>(options.keySet())) {
            if (!NAMES.contains(name)) {
                problems.add("unknown option '" + name + "'; known options: " + String.join(", ", NAMES));
            }
        }
        // The limits keep values sane: a queue is preallocated, and gRPC counts message sizes in an int.
        long maxMessageBytes = read(options, MAX_MESSAGE_BYTES, 16L * 1024 * 1024, 1024, Integer.MAX_VALUE, problems);
        long queueCapacity = read(options, QUEUE_CAPACITY, 4096, 1, 1 << 20, problems);
        long backoffMin = read(options, RECONNECT_BACKOFF_MIN_MILLIS, 50, 1, 60_000, problems);
        long backoffMax = read(options, RECONNECT_BACKOFF_MAX_MILLIS, 2_000, 1, 600_000, problems);
        long closeTimeout = read(options, CLOSE_TIMEOUT_MILLIS, 2_000, 0, 60_000, problems);
        if (backoffMax < backoffMin) {
            problems.add(RECONNECT_BACKOFF_MAX_MILLIS + " (" + backoffMax + ") must not be below "
                    + RECONNECT_BACKOFF_MIN_MILLIS + " (" + backoffMin + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid grpc transport options: " + String.join("; ", problems));
        }
        return new GrpcTransportOptions((int) maxMessageBytes, (int) queueCapacity, backoffMin, backoffMax,
                closeTimeout);
    }

    private static long read(Map<String, String> options, String name, long defaultValue, long min, long max,
                             List<String> problems) {
        String text = options.get(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(text.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the accepted range
        }
        problems.add("option " + name + " must be an integer from " + min + " to " + max + ", got '" + text + "'");
        return defaultValue;
    }
}
