package io.flotilla.raft.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.RaftMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the protocol test clusters ({@link ProtocolCluster}, {@link FeatureCluster}) share: the wire between members and
 * the inputs tests give them. Messages wait in flight in the order they were sent and are delivered only when a test
 * says so; isolated members and cut links lose theirs. Every input is followed by carrying out the member's Ready.
 */
abstract class WiredCluster {

    /** Messages on the wire, oldest first. */
    final List<RaftMessage> inFlight = new ArrayList<>();
    /** Every message delivered, in order. */
    final List<RaftMessage> delivered = new ArrayList<>();
    private final Set<NodeId> isolated = new HashSet<>();
    private final Set<List<NodeId>> cut = new HashSet<>();
    final RaftOptions options;

    WiredCluster(RaftOptions options) {
        this.options = options;
    }

    /** Whether a member is there to receive (messages to others are lost). */
    abstract boolean hasMember(NodeId id);

    /** The member's protocol. */
    abstract RaftProtocol p(String id);

    /** Carries out the member's Ready batches until it has nothing more to say. */
    abstract void process(String id);

    /** Steps a message into its addressee and carries out what it says. */
    abstract void receive(RaftMessage message);

    /**
     * The part of a member's {@link ReadyExecutor.Host} both clusters share: every batch and every read outcome is
     * recorded for the tests, and messages go on this cluster's wire.
     */
    abstract class RecordingHost implements ReadyExecutor.Host {
        private final List<Ready> readies;
        private final List<Ready.ReadReady> readsReady;
        private final List<Ready.ReadFailed> readsFailed;

        RecordingHost(List<Ready> readies, List<Ready.ReadReady> readsReady, List<Ready.ReadFailed> readsFailed) {
            this.readies = readies;
            this.readsReady = readsReady;
            this.readsFailed = readsFailed;
        }

        @Override
        public void carryingOut(Ready ready) {
            readies.add(ready);
        }

        @Override
        public void send(RaftMessage message) {
            inFlight.add(message);
        }

        @Override
        public void readReady(Ready.ReadReady read) {
            readsReady.add(read);
        }

        @Override
        public void readFailed(Ready.ReadFailed read) {
            readsFailed.add(read);
        }
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /** Ticks one member once and carries out its Ready. */
    void tick(String id) {
        p(id).tick();
        process(id);
    }

    void tick(String id, int times) {
        for (int i = 0; i < times; i++) {
            tick(id);
        }
    }

    /** Ticks a member until the condition holds; returns how many ticks it took. */
    int tickUntil(String id, Predicate<RaftProtocol> condition, int maxTicks) {
        for (int i = 1; i <= maxTicks; i++) {
            tick(id);
            if (condition.test(p(id))) {
                return i;
            }
        }
        fail(id + ": condition not reached within " + maxTicks + " ticks");
        return -1;
    }

    /** Proposes a command on a member and carries out its Ready; returns the result. */
    ProposalResult propose(String id, String command) {
        ProposalResult r = p(id).propose(bytes(command));
        process(id);
        return r;
    }

    void readIndex(String id, long requestId) {
        p(id).readIndex(requestId);
        process(id);
    }

    void leaseRead(String id, long requestId) {
        p(id).leaseRead(requestId);
        process(id);
    }

    /** Steps a message into a member directly (as if delivered) and carries out its Ready. */
    void step(String id, RaftMessage message) {
        p(id).step(message);
        process(id);
    }

    /**
     * Lets a member time out and campaign (pre-vote included; no other member is ticked, so it is the only candidate),
     * then delivers everything until the cluster is quiet, and checks that it leads.
     */
    void campaign(String id) {
        tickUntil(id, p -> p.role() != RaftRole.FOLLOWER, options.electionTimeoutMaxTicks() + 1);
        settle();
        assertEquals(RaftRole.LEADER, p(id).role(), id + " should have been elected");
    }

    /** Ticks the leader through one heartbeat interval and delivers everything. */
    void heartbeat(String leader) {
        tick(leader, options.heartbeatTicks());
        settle();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------- the wire

    /** Loses every message to or from a member until {@link #heal}. */
    void isolate(String id) {
        isolated.add(NodeId.of(id));
    }

    void heal(String id) {
        isolated.remove(NodeId.of(id));
    }

    /** Loses every message between two members, both ways, until {@link #mend}. */
    void cut(String a, String b) {
        cut.add(List.of(NodeId.of(a), NodeId.of(b)));
        cut.add(List.of(NodeId.of(b), NodeId.of(a)));
    }

    void mend(String a, String b) {
        cut.remove(List.of(NodeId.of(a), NodeId.of(b)));
        cut.remove(List.of(NodeId.of(b), NodeId.of(a)));
    }

    /** Delivers every message, including those sent in answer, until none is left. */
    int settle() {
        return settle(m -> false);
    }

    /** Delivers everything, including answers, until nothing is in flight; messages matching {@code dropIf} are lost. */
    int settle(Predicate<RaftMessage> dropIf) {
        int deliveries = 0;
        while (!inFlight.isEmpty()) {
            RaftMessage msg = inFlight.remove(0);
            if (dropIf.test(msg)) {
                continue;
            }
            if (deliver(msg)) {
                deliveries++;
            }
            if (deliveries > 1_000_000) {
                fail("the cluster does not settle");
            }
        }
        return deliveries;
    }

    /** Delivers, in order, the messages now in flight that match (not those sent in answer); returns how many. */
    int deliverOnce(Predicate<RaftMessage> which) {
        List<RaftMessage> batch = new ArrayList<>();
        for (Iterator<RaftMessage> it = inFlight.iterator(); it.hasNext(); ) {
            RaftMessage msg = it.next();
            if (which.test(msg)) {
                batch.add(msg);
                it.remove();
            }
        }
        int n = 0;
        for (RaftMessage msg : batch) {
            if (deliver(msg)) {
                n++;
            }
        }
        return n;
    }

    /** Discards the messages in flight that match; returns how many. */
    int drop(Predicate<RaftMessage> which) {
        int before = inFlight.size();
        inFlight.removeIf(which);
        return before - inFlight.size();
    }

    List<RaftMessage> inFlight(Predicate<RaftMessage> which) {
        return inFlight.stream().filter(which).toList();
    }

    private boolean deliver(RaftMessage msg) {
        if (isolated.contains(msg.to()) || isolated.contains(msg.from()) || cut.contains(List.of(msg.from(), msg.to()))
                || !hasMember(msg.to())) {
            return false;
        }
        delivered.add(msg);
        receive(msg);
        return true;
    }
}
