package io.flotilla.raft.core.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.RaftStatus;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/** Real {@link RaftNodeRuntime}s on real threads, over an {@link InMemoryNetwork}, with test log stores. */
final class RuntimeCluster implements AutoCloseable {

    /** Small timings, so elections and timeouts happen within a fraction of a second. */
    static RaftOptions.Builder options() {
        return RaftOptions.builder()
                .tickMillis(5)
                .heartbeatIntervalMillis(20)
                .electionTimeoutMillis(100, 200)
                .requestTimeoutMillis(500)
                .logStore("memory")
                .transport("in-memory");
    }

    final RaftOptions options;
    final ClusterConfiguration config;
    final InMemoryNetwork network = new InMemoryNetwork();
    final Map<NodeId, TestLogStore> stores = new TreeMap<>();
    final Map<NodeId, KvStateMachine> machines = new TreeMap<>();
    final Map<NodeId, RaftNodeRuntime> nodes = new TreeMap<>();
    final Map<NodeId, InMemoryNetwork.Endpoint> transports = new TreeMap<>();
    private final List<RaftNodeRuntime> everStarted = new ArrayList<>();
    private final long seed;
    private int starts;
    /** Whether members start with state machines whose queries run on reader threads. */
    boolean concurrentQueries;

    RuntimeCluster(int size, RaftOptions options, long seed) {
        this.options = options;
        this.seed = seed;
        Set<NodeId> voters = new LinkedHashSet<>();
        for (int i = 1; i <= size; i++) {
            voters.add(NodeId.of("n" + i));
        }
        this.config = ClusterConfiguration.ofVoters(voters);
        for (NodeId id : voters) {
            stores.put(id, new TestLogStore(id.value()));
        }
    }

    RuntimeCluster startAll() {
        for (NodeId id : config.voters()) {
            start(id);
        }
        return this;
    }

    /** Starts (or restarts) a member on its store, with a fresh state machine and transport. */
    RaftNodeRuntime start(NodeId id) {
        KvStateMachine sm = new KvStateMachine(concurrentQueries);
        InMemoryNetwork.Endpoint transport = network.transport(id);
        RaftNodeRuntime node = RaftNodeRuntime.start(id, config, options, stores.get(id), transport, sm,
                System::nanoTime, new SplittableRandom(seed * 1000 + starts++));
        machines.put(id, sm);
        nodes.put(id, node);
        transports.put(id, transport);
        everStarted.add(node);
        return node;
    }

    RaftNodeRuntime node(NodeId id) {
        return nodes.get(id);
    }

    /** Waits until exactly one running member leads and every running member follows it in its term. */
    RaftNodeRuntime awaitStableLeader() {
        RaftNodeRuntime[] found = new RaftNodeRuntime[1];
        await(() -> {
            RaftNodeRuntime leader = null;
            for (RaftNodeRuntime n : nodes.values()) {
                if (n.status().role() == RaftRole.LEADER) {
                    if (leader != null) {
                        return false;
                    }
                    leader = n;
                }
            }
            if (leader == null) {
                return false;
            }
            RaftStatus ls = leader.status();
            for (RaftNodeRuntime n : nodes.values()) {
                RaftStatus s = n.status();
                if (s.term() != ls.term() || !s.leader().equals(java.util.Optional.of(ls.id()))) {
                    return false;
                }
            }
            found[0] = leader;
            return true;
        }, 5_000, "a stable leader followed by every member");
        return found[0];
    }

    List<RaftNodeRuntime> followersOf(RaftNodeRuntime leader) {
        return nodes.values().stream().filter(n -> n != leader).toList();
    }

    /** Waits until every running member's state machine has applied at least {@code count} commands. */
    void awaitApplied(int count) {
        await(() -> machines.entrySet().stream()
                        .filter(e -> nodes.containsKey(e.getKey()))
                        .allMatch(e -> e.getValue().applied.size() >= count),
                5_000, "every member applies " + count + " commands");
    }

    static void await(BooleanSupplier condition, long timeoutMillis, String what) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeoutMillis + " ms waiting for: " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + what);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (RaftNodeRuntime n : everStarted) {
            n.close();
        }
        network.close();
    }
}
