package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.node.HostPort;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The servers a CLI invocation may talk to, with failover: a request goes to the first endpoint and moves on to the
 * next only when the endpoint could not be reached (reads also move on when the member is unavailable, since they
 * are safe to repeat). Closes its channels when done.
 */
final class Endpoints implements AutoCloseable {

    private static final String ETCD_PREFIX = "etcdserver: ";

    private final List<HostPort> addresses;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final Duration timeout;

    /**
     * Parses a comma-separated endpoint list.
     *
     * @param list    e.g. {@code 127.0.0.1:2379,127.0.0.1:2479}; {@code http://} prefixes are accepted
     * @param timeout the deadline of each request
     * @throws IllegalArgumentException naming a malformed endpoint
     */
    Endpoints(String list, Duration timeout) {
        this.timeout = timeout;
        this.addresses = parse(list);
        for (HostPort a : addresses) {
            channels.add(NettyChannelBuilder.forAddress(a.host(), a.port()).usePlaintext().build());
        }
    }

    /**
     * Parses a comma-separated endpoint list.
     *
     * @param list e.g. {@code 127.0.0.1:2379,127.0.0.1:2479}; {@code http://} prefixes are accepted
     * @return the endpoints, in order
     * @throws IllegalArgumentException naming a malformed endpoint, or if there is none
     */
    static List<HostPort> parse(String list) {
        List<HostPort> parsed = new ArrayList<>();
        for (String part : list.split(",")) {
            if (!part.isBlank()) {
                try {
                    parsed.add(HostPort.parse(part.trim()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--endpoints: " + e.getMessage(), e);
                }
            }
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("--endpoints: no endpoint given");
        }
        return List.copyOf(parsed);
    }

    /** Returns the endpoints, in order. */
    List<HostPort> addresses() {
        return addresses;
    }

    /** Returns the per-request deadline. */
    Duration timeout() {
        return timeout;
    }

    /**
     * Returns the channel to one endpoint.
     *
     * @param i the endpoint's position
     * @return the channel
     */
    ManagedChannel channel(int i) {
        return channels.get(i);
    }

    /**
     * Sends a read, trying each endpoint in turn while they are unavailable.
     *
     * @param call the request, given a channel
     * @param <T>  the response type
     * @return the first answer
     * @throws StatusRuntimeException the last failure when no endpoint answered
     */
    <T> T read(Function<ManagedChannel, T> call) {
        return send(call, true);
    }

    /**
     * Sends a write, moving to the next endpoint only if the previous one could not be reached at all (a member that
     * took the request may have applied it, so repeating it elsewhere could apply it twice).
     *
     * @param call the request, given a channel
     * @param <T>  the response type
     * @return the answer
     * @throws StatusRuntimeException the failure
     */
    <T> T write(Function<ManagedChannel, T> call) {
        return send(call, false);
    }

    private <T> T send(Function<ManagedChannel, T> call, boolean repeatable) {
        StatusRuntimeException last = null;
        for (ManagedChannel channel : channels) {
            try {
                return call.apply(channel);
            } catch (StatusRuntimeException e) {
                last = e;
                if (!mayTryNext(e, repeatable)) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private static boolean mayTryNext(StatusRuntimeException e, boolean repeatable) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
            return false;
        }
        String description = e.getStatus().getDescription();
        boolean fromServer = description != null && description.startsWith(ETCD_PREFIX);
        return repeatable || !fromServer;
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels) {
            try {
                c.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
