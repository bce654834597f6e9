package io.flotilla.raft.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftNode;
import io.flotilla.raft.api.RaftNodeConfig;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.StateMachine;
import io.flotilla.raft.api.spi.Plugins;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real engine nodes, found by name like an application finds them, talk over this transport on 127.0.0.1: they
 * elect a leader and commit proposals, which every member applies in the same order.
 */
@Timeout(60)
class EngineEndToEndTest {

    private static final int COMMANDS = 50;

    /** Records applied commands; the latch lets the test wait for a member to catch up. */
    private static final class RecordingStateMachine implements StateMachine {
        final List<String> applied = new CopyOnWriteArrayList<>();
        final CountDownLatch allApplied = new CountDownLatch(COMMANDS);

        @Override
        public byte[] apply(LogEntry entry) {
            applied.add(new String(entry.payload(), StandardCharsets.UTF_8));
            allApplied.countDown();
            return entry.payload();
        }

        @Override
        public byte[] query(byte[] query) {
            return String.valueOf(applied.size()).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void writeSnapshot(OutputStream out) {
            throw new UnsupportedOperationException("not needed: the test never compacts");
        }

        @Override
        public void restoreSnapshot(InputStream in) {
            throw new UnsupportedOperationException("not needed: the test never compacts");
        }
    }

    @Test
    void threeNodesElectALeaderAndCommitProposals(@TempDir Path data) throws Exception {
        List<NodeId> ids = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
        Map<NodeId, String> members = new HashMap<>();
        ids.forEach(id -> members.put(id, TestTransports.address(TestTransports.freePort())));
        RaftOptions options = RaftOptions.builder().logStore("memory").transport("grpc").build();

        Map<NodeId, RaftNode> nodes = new HashMap<>();
        Map<NodeId, RecordingStateMachine> machines = new HashMap<>();
        try {
            for (NodeId id : ids) {
                RecordingStateMachine machine = new RecordingStateMachine();
                machines.put(id, machine);
                RaftNodeConfig config = new RaftNodeConfig(id, members, data.resolve(id.value()), options, Map.of(),
                        TestTransports.FAST_RECONNECT);
                nodes.put(id, Plugins.engine("flotilla").start(config, machine));
            }

            RaftNode leader = nodes.get(awaitAgreedLeader(nodes.values(), Duration.ofSeconds(20)));
            assertEquals(RaftRole.LEADER, leader.status().role());

            List<CompletableFuture<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < COMMANDS; i++) {
                results.add(leader.propose(("cmd-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < COMMANDS; i++) {
                assertArrayEquals(("cmd-" + i).getBytes(StandardCharsets.UTF_8), results.get(i).get(10, TimeUnit.SECONDS));
            }

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < COMMANDS; i++) {
                expected.add("cmd-" + i);
            }
            for (NodeId id : ids) {
                RecordingStateMachine machine = machines.get(id);
                assertTrue(machine.allApplied.await(10, TimeUnit.SECONDS), id + " applied " + machine.applied);
                assertEquals(expected, machine.applied, id + " applied the commands in log order");
            }
        } finally {
            nodes.values().forEach(RaftNode::close);
        }
    }

    /**
     * Waits until every member names the same leader. The API offers no election event to wait on, so this polls the
     * cheap status() at a short interval, bounded by the timeout.
     */
    private static NodeId awaitAgreedLeader(Iterable<RaftNode> nodes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<NodeId> agreed = null;
            for (RaftNode node : nodes) {
                Optional<NodeId> leader = node.status().leader();
                agreed = agreed == null || agreed.equals(leader) ? leader : Optional.empty();
            }
            if (agreed != null && agreed.isPresent()) {
                return agreed.get();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        throw new AssertionError("no leader agreed on within " + timeout);
    }
}
