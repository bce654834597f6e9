package io.flotilla.kv.service.testing;

import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.StatusRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.flotilla.kv.service.node.HostPort;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Three (or more) {@code flotilla-server} JVMs on 127.0.0.1 with the {@code grpc} transport, each with its own data
 * directory, that a test can SIGKILL and restart. Uses the first durable log store on the server's module path
 * ({@code rocksdb}, then {@code lmdb}), else {@code memory}.
 */
public final class ProcessCluster implements AutoCloseable {

    private final List<HostPort> clientAddresses = new ArrayList<>();
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final String logStore;

    private ProcessCluster(int size, Path directory, List<String> extraArgs) {
        this.logStore = durableLogStore();
        List<String> members = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            HostPort peer = new HostPort("127.0.0.1", FreePorts.next());
            HostPort client = new HostPort("127.0.0.1", FreePorts.next());
            clientAddresses.add(client);
            members.add("--member=n" + i + "=" + peer + "/" + client);
        }
        for (int i = 1; i <= size; i++) {
            List<String> args = new ArrayList<>(List.of("--node-id=n" + i,
                    "--data-dir=" + directory.resolve("n" + i), "--log-store=" + logStore, "--transport=grpc",
                    "--shutdown-grace-millis=1000"));
            args.addAll(members);
            args.addAll(extraArgs);
            servers.add(new ServerProcess(args, directory.resolve("n" + i + ".log")));
            HostPort client = clientAddresses.get(i - 1);
            channels.add(NettyChannelBuilder.forAddress(client.host(), client.port()).usePlaintext().build());
        }
    }

    /**
     * Launches the members.
     *
     * @param size      how many
     * @param directory where data directories and logs go
     * @param extraArgs more server flags for every member
     * @return the running cluster
     */
    public static ProcessCluster start(int size, Path directory, List<String> extraArgs) {
        ProcessCluster cluster = new ProcessCluster(size, directory, extraArgs);
        cluster.servers.forEach(ServerProcess::start);
        return cluster;
    }

    /** Returns the log store in use. */
    public String logStore() {
        return logStore;
    }

    /** Returns whether the log store keeps data across a kill. */
    public boolean durable() {
        return !"memory".equals(logStore);
    }

    /** Returns the number of members. */
    public int size() {
        return servers.size();
    }

    /** Returns a member's process. */
    public ServerProcess server(int i) {
        return servers.get(i);
    }

    /** Returns a member's client address. */
    public HostPort clientAddress(int i) {
        return clientAddresses.get(i);
    }

    /** Returns a channel to a member's client port. */
    public ManagedChannel channel(int i) {
        return channels.get(i);
    }

    /**
     * Asks a member for its status.
     *
     * @param i the member
     * @return the status, or null if it does not answer
     */
    public StatusResponse status(int i) {
        try {
            return MaintenanceGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(1, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    /**
     * Waits until a member reports itself the leader and every running member agrees.
     *
     * @param timeout how long to wait
     * @return the leader's position
     */
    public int awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            int leader = -1;
            boolean agreed = true;
            long leaderId = 0;
            for (int i = 0; i < servers.size(); i++) {
                if (!servers.get(i).isAlive()) {
                    continue;
                }
                StatusResponse s = status(i);
                if (s == null || s.getLeader() == 0 || (leaderId != 0 && s.getLeader() != leaderId)) {
                    agreed = false;
                    break;
                }
                leaderId = s.getLeader();
                if (s.getLeader() == s.getHeader().getMemberId()) {
                    leader = i;
                }
            }
            if (agreed && leader >= 0) {
                return leader;
            }
            Thread.sleep(50);
        }
        StringBuilder logs = new StringBuilder();
        for (int i = 0; i < servers.size(); i++) {
            logs.append("\n==== n").append(i + 1).append(":\n").append(servers.get(i).logTail());
        }
        throw new AssertionError("no leader agreed on within " + timeout + logs);
    }

    /** Returns every member's recent log output, for failure messages. */
    public String logs() {
        StringBuilder logs = new StringBuilder();
        for (int i = 0; i < servers.size(); i++) {
            logs.append("\n==== n").append(i + 1).append(":\n").append(servers.get(i).logTail());
        }
        return logs.toString();
    }

    private static String durableLogStore() {
        String path = ServerProcess.modulePath();
        if (path.contains("raft.storage.rocksdb")) {
            return "rocksdb";
        }
        if (path.contains("raft.storage.lmdb")) {
            return "lmdb";
        }
        return "memory";
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        for (ServerProcess s : servers) {
            s.destroy();
        }
    }
}
