package io.flotilla.raft.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.storage.memory.MemoryLogStore;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A deterministic harness for the engine features beyond basic Raft (pre-vote, check-quorum, transfer, membership,
 * snapshots, leases). Like {@link ProtocolCluster} it drives {@link RaftProtocol}s directly, delivers messages only when
 * asked and carries out each {@link Ready} in the documented order, with a {@link MemoryLogStore} as each member's disk.
 * In addition it:
 *
 * <ul>
 *   <li>gives every member peer addresses ({@code addr-<id>}) and can start <em>spare</em> members that are not in the
 *       initial configuration (they start with it, as joiners do, and so never campaign);</li>
 *   <li>keeps each member's durable snapshots in memory and exposes them as its {@link SnapshotSource}; receives
 *       {@link Ready#snapshotChunks()} in write order and, on the last chunk, verifies and installs the snapshot
 *       (store reset, then {@link RaftProtocol#snapshotInstalled}) — or, in {@link Member#manualInstall} mode, holds it
 *       until the test calls {@link #install};</li>
 *   <li>carries out {@link Ready#compactThrough()} on the store after the write (all through the runtime's
 *       {@link ReadyExecutor});</li>
 *   <li>can hold committed entries unapplied ({@link Member#manualApply});</li>
 *   <li>can cut single links in both directions, besides isolating members.</li>
 * </ul>
 */
final class FeatureCluster extends WiredCluster {

    /** One member: disk, snapshots, protocol, and what came out of its Ready batches. */
    static final class Member {
        final NodeId id;
        final MemoryLogStore store;
        /** Durable snapshots by index, serialized ({@link SnapshotFormat}). */
        final TreeMap<Long, byte[]> snapshots = new TreeMap<>();
        RaftProtocol protocol;
        ReadyExecutor executor;
        /** Committed entries applied, in order. */
        final List<LogEntry> applied = new ArrayList<>();
        /** The state machine's position and the configuration/term of what it applied (for snapshots it takes). */
        long appliedIndex;
        long appliedTerm;
        MembershipCodec.Membership appliedMembership;
        final List<Ready.ReadReady> readsReady = new ArrayList<>();
        final List<Ready.ReadFailed> readsFailed = new ArrayList<>();
        final List<Ready> readies = new ArrayList<>();
        /** Every snapshot chunk handed out by the protocol, in order. */
        final List<Ready.SnapshotChunk> chunks = new ArrayList<>();
        /** Snapshot bytes received so far (reset by a chunk at offset 0). */
        ByteArrayOutputStream receiving = new ByteArrayOutputStream();
        /** A completely received snapshot waiting for {@link #install} ({@link #manualInstall} mode). */
        byte[] received;
        boolean manualInstall;
        /** When set, committed entries wait in {@link #unapplied} until {@link FeatureCluster#applyAll}. */
        boolean manualApply;
        final ArrayDeque<LogEntry> unapplied = new ArrayDeque<>();
        /** Every Ready.compactThrough above 0, in order. */
        final List<Long> compactions = new ArrayList<>();
        /** Snapshots installed and snapshot installs that failed verification. */
        int installs;
        int failedInstalls;

        Member(NodeId id) {
            this.id = id;
            this.store = new MemoryLogStore(id.value());
        }

        RaftProtocol p() {
            return protocol;
        }

        /** The peers maps of every Ready that carried one, in order. */
        List<Map<NodeId, String>> peerUpdates() {
            return readies.stream().map(Ready::peers).filter(p -> p != null).toList();
        }

        final SnapshotSource source = new SnapshotSource() {
            @Override
            public SnapshotFormat.Header latest() {
                return snapshots.isEmpty() ? null : SnapshotFormat.decode(snapshots.lastEntry().getValue()).header();
            }

            @Override
            public byte[] read(long index, long offset, int maxBytes) {
                byte[] s = snapshots.get(index);
                if (s == null) {
                    return null;
                }
                int from = (int) Math.min(offset, s.length);
                int to = (int) Math.min(s.length, (long) from + maxBytes);
                return Arrays.copyOfRange(s, from, to);
            }
        };
    }

    final ClusterConfiguration config;
    final Map<NodeId, String> addresses = new TreeMap<>();
    private final TreeMap<NodeId, Member> members = new TreeMap<>();
    private final long seed;

    /** Ticks of 10 ms, heartbeat every 3 ticks, elections after 15..30 ticks; pre-vote and check-quorum on. */
    static RaftOptions.Builder options() {
        return RaftOptions.builder()
                .tickMillis(10)
                .heartbeatIntervalMillis(30)
                .electionTimeoutMillis(150, 300)
                .preVote(true)
                .checkQuorum(true)
                .logStore("memory")
                .transport("test");
    }

    static FeatureCluster of(int voters) {
        return new FeatureCluster(options().build(), names(1, voters), List.of(), List.of(), 1);
    }

    static FeatureCluster of(int voters, RaftOptions options) {
        return new FeatureCluster(options, names(1, voters), List.of(), List.of(), 1);
    }

    static List<String> names(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add("n" + i);
        }
        return out;
    }

    static String address(NodeId id) {
        return "addr-" + id.value();
    }

    /**
     * @param voters   the initial voters
     * @param learners the initial learners
     * @param spares   members outside the initial configuration (started with it), to be added later
     */
    FeatureCluster(RaftOptions options, List<String> voters, List<String> learners, List<String> spares, long seed) {
        super(options);
        this.seed = seed;
        Set<NodeId> v = new TreeSet<>();
        voters.forEach(s -> v.add(NodeId.of(s)));
        Set<NodeId> l = new TreeSet<>();
        learners.forEach(s -> l.add(NodeId.of(s)));
        this.config = new ClusterConfiguration(v, l, Set.of());
        config.members().forEach(id -> addresses.put(id, address(id)));
        Set<NodeId> all = new TreeSet<>(config.members());
        spares.forEach(s -> all.add(NodeId.of(s)));
        for (NodeId id : all) {
            Member m = new Member(id);
            members.put(id, m);
            m.appliedMembership = new MembershipCodec.Membership(config, addresses);
            m.protocol = newProtocol(m, null);
            m.executor = new ReadyExecutor(m.protocol, new Host(m));
        }
    }

    private RaftProtocol newProtocol(Member m, SnapshotFormat.Header recovered) {
        long memberSeed = seed * 31 + m.id.value().hashCode();
        return new RaftProtocol(m.id, config, addresses, options, StableLog.over(m.store), m.store.state(), recovered,
                recovered == null ? 0 : recovered.index(), m.source, new SplittableRandom(memberSeed));
    }

    // --------------------------------------------------------------------------------------------- members

    Member m(String id) {
        Member m = members.get(NodeId.of(id));
        if (m == null) {
            throw new IllegalArgumentException("no member " + id);
        }
        return m;
    }

    @Override
    RaftProtocol p(String id) {
        return m(id).protocol;
    }

    List<Member> members() {
        return new ArrayList<>(members.values());
    }

    /** Crashes and restarts a member from its disk and its newest snapshot (what it had received is lost). */
    void restart(String id) {
        Member m = m(id);
        m.receiving = new ByteArrayOutputStream();
        m.received = null;
        m.unapplied.clear();
        SnapshotFormat.Header recovered = null;
        m.appliedIndex = 0;
        m.appliedTerm = 0;
        m.appliedMembership = new MembershipCodec.Membership(config, addresses);
        if (!m.snapshots.isEmpty()) {
            SnapshotFormat.Decoded d = SnapshotFormat.decode(m.snapshots.lastEntry().getValue());
            recovered = d.header();
            m.appliedIndex = recovered.index();
            m.appliedTerm = recovered.term();
            m.appliedMembership = recovered.membership();
        }
        m.protocol = newProtocol(m, recovered);
        m.executor = new ReadyExecutor(m.protocol, new Host(m));
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /** Ticks the given members once each, in order, then delivers everything; {@code times} times. */
    void run(int times, String... ids) {
        for (int t = 0; t < times; t++) {
            for (String id : ids) {
                tick(id);
            }
            settle();
        }
    }

    /** {@link #campaign}s and returns the new leader. */
    Member elect(String id) {
        campaign(id);
        return m(id);
    }

    /**
     * Takes a snapshot of what the member has applied, keeps it as its newest durable snapshot and tells the protocol
     * ({@link RaftProtocol#compactLog}). Returns the serialized snapshot.
     */
    byte[] takeSnapshot(String id) {
        Member m = m(id);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (LogEntry e : m.applied) {
            data.writeBytes(e.payload());
        }
        byte[] bytes = SnapshotFormat.encode(m.appliedIndex, m.appliedTerm, m.appliedMembership, data.toByteArray());
        m.snapshots.put(m.appliedIndex, bytes);
        m.protocol.compactLog(m.appliedIndex);
        process(m);
        return bytes;
    }

    /** Verifies and installs the snapshot a manual-install member has completely received. */
    void install(String id) {
        Member m = m(id);
        byte[] bytes = m.received;
        assertTrue(bytes != null, id + " has no received snapshot to install");
        m.received = null;
        installNow(m, bytes);
        process(m);
    }

    /** Applies everything a manual-apply member holds back. */
    void applyAll(String id) {
        Member m = m(id);
        List<LogEntry> batch = new ArrayList<>(m.unapplied);
        m.unapplied.clear();
        apply(m, batch);
        process(m);
    }

    // ---------------------------------------------------------------------------------------------- the wire

    @Override
    boolean hasMember(NodeId id) {
        return members.containsKey(id);
    }

    @Override
    void receive(RaftMessage msg) {
        Member to = members.get(msg.to());
        to.protocol.step(msg);
        process(to);
    }

    // ---------------------------------------------------------------------------------------------- effects

    @Override
    void process(String id) {
        process(m(id));
    }

    /** Carries out the member's Ready batches through the runtime's executor, until it has nothing more to say. */
    void process(Member m) {
        m.executor.drain();
    }

    /** A member's effects: writes and snapshot chunks go to its store at once, compaction after them. */
    private final class Host extends RecordingHost {
        private final Member m;

        Host(Member m) {
            super(m.readies, m.readsReady, m.readsFailed);
            this.m = m;
        }

        @Override
        public void persist(ReadyExecutor.Write w) {
            // As the runtime's disk thread: the write, the snapshot chunks in the same order, the messages, the report.
            if (w.changesLog()) {
                m.store.write(w.state(), w.entries());
            }
            for (Ready.SnapshotChunk chunk : w.chunks()) {
                receiveChunk(m, chunk);
            }
            inFlight.addAll(w.after());
            m.executor.written(w);
        }

        @Override
        public void compact(long throughIndex) {
            m.compactions.add(throughIndex);
            if (throughIndex > m.store.firstIndex() - 1) {
                m.store.compactPrefix(Math.min(throughIndex, m.store.lastIndex()));
            }
        }

        @Override
        public void settle(Ready.Forwarded forwarded) {
            // Forwarding is covered by ProtocolCluster.
        }

        @Override
        public void apply(List<LogEntry> committed) {
            for (LogEntry e : committed) {
                assertTrue(e.index() <= m.store.lastIndex() && m.store.termAt(e.index()) == e.term(),
                        m.id + " handed out " + e + " for applying before it was on its disk");
            }
            if (m.manualApply) {
                m.unapplied.addAll(committed);
            } else {
                FeatureCluster.apply(m, committed);
            }
        }
    }

    private static void apply(Member m, List<LogEntry> entries) {
        for (LogEntry e : entries) {
            assertEquals(m.appliedIndex + 1, e.index(), m.id + " applies out of order");
            m.applied.add(e);
            m.appliedIndex = e.index();
            m.appliedTerm = e.term();
            if (e.kind() == EntryKind.CONFIGURATION) {
                m.appliedMembership = MembershipCodec.decode(e.payload());
            }
        }
        if (!entries.isEmpty()) {
            m.protocol.applied(m.appliedIndex);
        }
    }

    private void receiveChunk(Member m, Ready.SnapshotChunk chunk) {
        m.chunks.add(chunk);
        if (chunk.offset() == 0) {
            m.receiving = new ByteArrayOutputStream();
        }
        assertEquals(m.receiving.size(), chunk.offset(), m.id + " was handed a chunk out of order");
        m.receiving.writeBytes(chunk.data());
        if (!chunk.last()) {
            return;
        }
        byte[] bytes = m.receiving.toByteArray();
        m.receiving = new ByteArrayOutputStream();
        if (m.manualInstall) {
            m.received = bytes;
        } else {
            installNow(m, bytes);
        }
    }

    /** Durable snapshot first, then the log reset, then the state machine, then the protocol (as the runtime does). */
    private static void installNow(Member m, byte[] bytes) {
        SnapshotFormat.Decoded d;
        try {
            d = SnapshotFormat.decode(bytes);
        } catch (IllegalArgumentException corrupt) {
            m.failedInstalls++;
            m.protocol.snapshotInstallFailed();
            return;
        }
        m.snapshots.put(d.header().index(), bytes);
        m.store.reset(d.header().index(), d.header().term());
        m.appliedIndex = d.header().index();
        m.appliedTerm = d.header().term();
        m.appliedMembership = d.header().membership();
        m.installs++;
        m.protocol.snapshotInstalled(d.header().index(), d.header().term(), d.header().membership());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static NodeId id(String s) {
        return NodeId.of(s);
    }

    static Predicate<RaftMessage> to(String id) {
        NodeId n = NodeId.of(id);
        return msg -> msg.to().equals(n);
    }

    static Predicate<RaftMessage> from(String id) {
        NodeId n = NodeId.of(id);
        return msg -> msg.from().equals(n);
    }

    static Predicate<RaftMessage> involving(String id) {
        return to(id).or(from(id));
    }

    static Predicate<RaftMessage> is(Class<? extends RaftMessage> type) {
        return type::isInstance;
    }

    static Predicate<RaftMessage> appendWithEntries() {
        return msg -> msg instanceof AppendEntriesRequest ae && !ae.entries().isEmpty();
    }

    /** Voters (with their addresses) for {@link RaftProtocol#proposeMembership}. */
    static Map<NodeId, String> withAddresses(String... ids) {
        Map<NodeId, String> out = new TreeMap<>();
        for (String s : ids) {
            out.put(NodeId.of(s), address(NodeId.of(s)));
        }
        return out;
    }

    static Set<NodeId> ids(String... ids) {
        Set<NodeId> out = new TreeSet<>();
        for (String s : ids) {
            out.add(NodeId.of(s));
        }
        return out;
    }

    static PersistentState state(RaftProtocol p) {
        return new PersistentState(p.term(), p.votedFor());
    }
}
