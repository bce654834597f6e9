package io.flotilla.raft.core.runtime;

import static io.flotilla.raft.core.runtime.RuntimeCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LeadershipListener;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.RaftStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link io.flotilla.raft.api.RaftNode#addLeadershipListener}: members report a new leader to their listeners as soon
 * as they learn of it, so applications (like kv.service routing requests) need not poll.
 */
class LeadershipListenerTest {

    private final RuntimeCluster cluster = new RuntimeCluster(3, RuntimeCluster.options().build(), 11).startAll();

    @AfterEach
    void stop() throws InterruptedException {
        cluster.close();
    }

    /** Records what one member reported. */
    private static final class Recorder implements LeadershipListener {
        final List<RaftStatus> heard = new CopyOnWriteArrayList<>();

        @Override
        public void leadershipChanged(RaftStatus status) {
            heard.add(status);
        }

        boolean heardLeader(NodeId leader, long afterTerm) {
            return heard.stream().anyMatch(s -> s.term() > afterTerm && s.leader().equals(Optional.of(leader)));
        }
    }

    private Map<NodeId, Recorder> listenToAll() {
        Map<NodeId, Recorder> recorders = new TreeMap<>();
        cluster.nodes.forEach((id, node) -> {
            Recorder r = new Recorder();
            node.addLeadershipListener(r);
            recorders.put(id, r);
        });
        return recorders;
    }

    /** Isolates the leader and returns the member the other two elect. */
    private NodeId electAnotherLeader(RaftNodeRuntime old) {
        cluster.network.isolate(old.id());
        NodeId[] found = new NodeId[1];
        await(() -> {
            for (RaftNodeRuntime n : cluster.followersOf(old)) {
                if (n.status().role() == RaftRole.LEADER) {
                    found[0] = n.id();
                    return true;
                }
            }
            return false;
        }, 5_000, "a new leader among the connected members");
        return found[0];
    }

    @Test
    void everyConnectedMemberTellsItsListenerWhoTheNewLeaderIs() {
        RaftNodeRuntime old = cluster.awaitStableLeader();
        long oldTerm = old.status().term();
        Map<NodeId, Recorder> recorders = listenToAll();

        NodeId elected = electAnotherLeader(old);

        for (RaftNodeRuntime n : cluster.followersOf(old)) {
            Recorder r = recorders.get(n.id());
            await(() -> r.heardLeader(elected, oldTerm), 5_000, n.id() + " reports " + elected + " as leader");
        }
        assertTrue(recorders.get(elected).heard.stream()
                        .anyMatch(s -> s.role() == RaftRole.LEADER && s.term() > oldTerm),
                "the new leader reports its own leadership: " + recorders.get(elected).heard);
        for (Recorder r : recorders.values()) {
            for (int i = 1; i < r.heard.size(); i++) {
                RaftStatus before = r.heard.get(i - 1);
                RaftStatus after = r.heard.get(i);
                assertTrue(after.term() >= before.term(), "reported in order: " + r.heard);
                assertTrue(after.term() != before.term() || after.role() != before.role()
                        || !after.leader().equals(before.leader()), "only changes are reported: " + r.heard);
            }
        }
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheMemberNorTheOtherListeners() throws Exception {
        RaftNodeRuntime old = cluster.awaitStableLeader();
        long oldTerm = old.status().term();
        cluster.nodes.values().forEach(n -> n.addLeadershipListener(s -> {
            throw new IllegalStateException("a buggy listener");
        }));
        Map<NodeId, Recorder> recorders = listenToAll();

        NodeId elected = electAnotherLeader(old);
        Recorder r = recorders.get(elected);
        await(() -> r.heardLeader(elected, oldTerm), 5_000, "the listener after the buggy one still hears");
        byte[] result = cluster.node(elected).propose(KvStateMachine.put("k", "v")).get(5, TimeUnit.SECONDS);
        assertEquals("v", KvStateMachine.text(cluster.node(elected).query(KvStateMachine.get("k"))
                .get(5, TimeUnit.SECONDS)), "the new leader still serves: " + KvStateMachine.text(result));
    }

    @Test
    void aRemovedListenerHearsNothingMore() {
        RaftNodeRuntime old = cluster.awaitStableLeader();
        long oldTerm = old.status().term();
        Map<NodeId, Recorder> recorders = listenToAll();
        Recorder kept = new Recorder();
        RaftNodeRuntime follower = cluster.followersOf(old).get(0);
        follower.addLeadershipListener(kept);
        follower.removeLeadershipListener(recorders.get(follower.id()));

        NodeId elected = electAnotherLeader(old);
        await(() -> kept.heardLeader(elected, oldTerm), 5_000, "the kept listener hears the election");
        assertEquals(List.of(), recorders.get(follower.id()).heard, "the removed listener heard nothing");
    }
}
