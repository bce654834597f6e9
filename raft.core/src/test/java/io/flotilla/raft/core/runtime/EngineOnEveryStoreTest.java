package io.flotilla.raft.core.runtime;

import static io.flotilla.raft.core.runtime.RuntimeCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.Plugins;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine on each log store, found by name through ServiceLoader: a cluster elects, commits, and after every member
 * is closed and reopened on its store it still holds every committed command (for the durable stores), recovered from
 * disk alone.
 */
class EngineOnEveryStoreTest {

    private static final List<NodeId> IDS = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb", "lmdb"})
    void aClusterCommitsAndRecoversOnTheStore(String storeName) throws Exception {
        RaftOptions options = RuntimeCluster.options().logStore(storeName).build();
        Map<NodeId, RaftNodeRuntime> nodes = new TreeMap<>();
        Map<NodeId, KvStateMachine> machines = new TreeMap<>();
        try (InMemoryNetwork network = new InMemoryNetwork()) {
            IDS.forEach(id -> start(id, storeName, options, network, nodes, machines, 1));
            RaftNodeRuntime leader = leader(nodes);
            for (int i = 0; i < 30; i++) {
                leader.propose(KvStateMachine.put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
            }
            await(() -> machines.values().stream().allMatch(m -> m.applied.size() >= 30), 5_000,
                    "every member applies 30 commands on " + storeName);
            nodes.values().forEach(RaftNodeRuntime::close);
        }
        if (storeName.equals("memory")) {
            return; // nothing survives a close: the point of the durable stores
        }
        nodes.clear();
        machines.clear();
        try (InMemoryNetwork network = new InMemoryNetwork()) {
            IDS.forEach(id -> start(id, storeName, options, network, nodes, machines, 2));
            RaftNodeRuntime leader = leader(nodes);
            leader.propose(KvStateMachine.put("after", "restart")).get(5, TimeUnit.SECONDS);
            for (NodeId id : IDS) {
                KvStateMachine sm = machines.get(id);
                await(() -> sm.applied.size() >= 31, 5_000, id + " re-applies the recovered log on " + storeName);
                assertEquals("v29", KvStateMachine.text(sm.query(KvStateMachine.get("k29"))),
                        id + " recovered every committed command from its " + storeName + " store");
            }
            nodes.values().forEach(RaftNodeRuntime::close);
        }
    }

    private void start(NodeId id, String storeName, RaftOptions options, InMemoryNetwork network,
                       Map<NodeId, RaftNodeRuntime> nodes, Map<NodeId, KvStateMachine> machines, int run) {
        LogStore store = Plugins.logStore(storeName).open(
                new LogStoreContext(id, dir.resolve(id.value()), Map.of("sync", "true")));
        KvStateMachine sm = new KvStateMachine();
        nodes.put(id, RaftNodeRuntime.start(id, ClusterConfiguration.ofVoters(Set.copyOf(IDS)), options, store,
                network.transport(id), sm, System::nanoTime, new SplittableRandom(run * 100L + id.hashCode())));
        machines.put(id, sm);
    }

    private static RaftNodeRuntime leader(Map<NodeId, RaftNodeRuntime> nodes) {
        RaftNodeRuntime[] found = new RaftNodeRuntime[1];
        await(() -> {
            for (RaftNodeRuntime n : nodes.values()) {
                if (n.status().role() == RaftRole.LEADER) {
                    found[0] = n;
                    return true;
                }
            }
            return false;
        }, 5_000, "a leader");
        return found[0];
    }
}
