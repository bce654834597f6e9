package io.flotilla.kv.service.testing;

import io.flotilla.kv.service.mvcc.RequestLimits;
import io.flotilla.kv.service.node.HostPort;
import io.flotilla.kv.service.node.MemberInfo;
import io.flotilla.kv.service.node.BackendSettings;
import io.flotilla.kv.service.node.ServerSettings;
import io.flotilla.kv.service.server.KvServer;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * KV server members running in this JVM, on 127.0.0.1, with the memory log store and the test-only {@code in-jvm}
 * transport (or another transport by name). Members can be stopped and started again; a restarted member with the
 * memory store comes back empty and catches up from the leader.
 */
public final class TestCluster implements AutoCloseable {

    /** Fast timers, so elections in tests take a fraction of a second. */
    public static final RaftOptions FAST = RaftOptions.builder()
            .tickMillis(10)
            .heartbeatIntervalMillis(30)
            .electionTimeoutMillis(150, 300)
            .requestTimeoutMillis(3_000)
            .logStore("memory")
            .transport("in-jvm")
            .build();

    private final List<MemberInfo> members;
    private final Path directory;
    private final RaftOptions options;
    private final BackendSettings backend;
    private final List<Integer> httpPorts = new ArrayList<>();
    private final List<KvServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    private TestCluster(List<MemberInfo> members, Path directory, RaftOptions options, BackendSettings backend) {
        this.members = members;
        this.directory = directory;
        this.options = options;
        this.backend = backend;
        for (int i = 0; i < members.size(); i++) {
            // Chosen with the other ports, before any member binds one: a port the system picks at bind time (0)
            // could be a later member's client or peer port, free until that member starts.
            httpPorts.add(FreePorts.next());
            servers.add(null);
            channels.add(null);
        }
    }

    /**
     * Starts {@code size} members named n1, n2, ...
     *
     * @param size      how many
     * @param directory where members keep their data
     * @param options   engine options (log store and transport included)
     * @return the running cluster
     */
    public static TestCluster start(int size, Path directory, RaftOptions options) {
        // The memory backend, like the memory log store these members use: a restarted member starts empty and is
        // caught up by the others (a durable backend over an empty log is refused at start).
        return start(size, directory, options, BackendSettings.of("memory"));
    }

    /**
     * Starts {@code size} members named n1, n2, ... whose stores are on the given backend, in
     * {@code directory/n<i>/kv} (where a restored backup can be put before the start).
     *
     * @param size      how many
     * @param directory where members keep their data
     * @param options   engine options (log store and transport included)
     * @param backend   the members' backend
     * @return the running cluster
     */
    public static TestCluster start(int size, Path directory, RaftOptions options, BackendSettings backend) {
        List<MemberInfo> members = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            members.add(new MemberInfo(NodeId.of("n" + i), new HostPort("127.0.0.1", FreePorts.next()),
                    new HostPort("127.0.0.1", FreePorts.next())));
        }
        TestCluster cluster = new TestCluster(List.copyOf(members), directory, options, backend);
        for (int i = 0; i < size; i++) {
            cluster.startMember(i);
        }
        return cluster;
    }

    /** Returns the number of members. */
    public int size() {
        return members.size();
    }

    /**
     * Starts (or restarts) a member.
     *
     * @param i the member's position, from 0
     */
    public void startMember(int i) {
        MemberInfo self = members.get(i);
        ServerSettings settings = new ServerSettings(self.id(), directory.resolve(self.id().value()), members,
                options, Map.of(), Map.of(), RequestLimits.DEFAULT_MAX_REQUEST_BYTES, backend);
        servers.set(i, KvServer.start(settings, self.clientAddress(), Duration.ofSeconds(2),
                new HostPort("127.0.0.1", httpPorts.get(i))));
    }

    /**
     * Stops a member; its client channel stays usable and fails until the member is started again.
     *
     * @param i the member's position
     */
    public void stopMember(int i) {
        KvServer server = servers.set(i, null);
        if (server != null) {
            server.close();
        }
    }

    /** Returns a running member's server. */
    public KvServer server(int i) {
        return servers.get(i);
    }

    /** Returns a member's configuration. */
    public MemberInfo member(int i) {
        return members.get(i);
    }

    /**
     * Returns a channel to a member's client port (one per member, reused).
     *
     * @param i the member's position
     * @return the channel
     */
    public ManagedChannel channel(int i) {
        if (channels.get(i) == null) {
            HostPort address = members.get(i).clientAddress();
            channels.set(i, NettyChannelBuilder.forAddress(address.host(), address.port()).usePlaintext().build());
        }
        return channels.get(i);
    }

    /**
     * Waits until a running member leads and every running member knows it.
     *
     * @param timeout how long to wait
     * @return the leader's position
     * @throws AssertionError if no leader is agreed on in time
     */
    public int awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            int leader = agreedLeader();
            if (leader >= 0) {
                return leader;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no leader agreed on within " + timeout);
    }

    private int agreedLeader() {
        int leader = -1;
        for (int i = 0; i < servers.size(); i++) {
            KvServer s = servers.get(i);
            if (s != null && s.node().status().role() == RaftRole.LEADER) {
                leader = i;
            }
        }
        if (leader < 0) {
            return -1;
        }
        NodeId id = members.get(leader).id();
        for (KvServer s : servers) {
            if (s != null && !s.node().status().leader().map(id::equals).orElse(false)) {
                return -1;
            }
        }
        return leader;
    }

    /**
     * Returns the URL of a running member's HTTP endpoints.
     *
     * @param i    the member's position
     * @param path e.g. {@code /health?serializable=true}
     * @return the URL
     */
    public URI http(int i, String path) {
        return URI.create("http://127.0.0.1:" + servers.get(i).httpPort() + path);
    }

    /** Returns the position of a running member that does not lead (the first one). */
    public int aFollower(int leader) {
        for (int i = 0; i < servers.size(); i++) {
            if (i != leader && servers.get(i) != null) {
                return i;
            }
        }
        throw new IllegalStateException("no running follower");
    }

    @Override
    public void close() {
        for (ManagedChannel channel : channels) {
            if (channel != null) {
                channel.shutdownNow();
            }
        }
        for (int i = 0; i < servers.size(); i++) {
            stopMember(i);
        }
        for (ManagedChannel channel : channels) {
            if (channel != null) {
                try {
                    channel.awaitTermination(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
