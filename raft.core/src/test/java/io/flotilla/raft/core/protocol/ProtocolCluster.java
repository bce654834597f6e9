package io.flotilla.raft.core.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.storage.memory.MemoryLogStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A small, deterministic harness that drives several {@link RaftProtocol}s directly, with no threads or clocks.
 *
 * <p>Each member has a {@link MemoryLogStore} as its disk. Ready batches are carried out by the runtime's
 * {@link ReadyExecutor}: {@code sendNow} goes on the wire, then the state and entries are written to the store, then
 * {@code sendAfterPersist} goes on the wire and the write is reported ({@link RaftProtocol#persisted}), then committed
 * entries are "applied" (recorded) and {@link RaftProtocol#applied} is called. A member in {@link Member#manualDisk} mode queues its
 * writes (with the messages that must wait for them) until the test completes them, which is how tests look inside the
 * window between "asked to persist" and "durable".
 *
 * <p>Messages are not delivered until the test asks: {@link #settle()} delivers everything (optionally dropping some),
 * {@link #deliverOnce} delivers only the messages now in flight that match, {@link #drop} discards.
 */
final class ProtocolCluster extends WiredCluster {

    /** One member: its disk, its protocol instance, and what came out of its Ready batches. */
    static final class Member {
        final NodeId id;
        final MemoryLogStore store;
        RaftProtocol protocol;
        ReadyExecutor executor;
        /** Every committed entry the protocol handed out for applying, in order (across restarts). */
        final List<LogEntry> committed = new ArrayList<>();
        final List<Ready.ReadReady> readsReady = new ArrayList<>();
        final List<Ready.ReadFailed> readsFailed = new ArrayList<>();
        /** What became of the proposals this member forwarded to the leader, in order. */
        final List<Ready.Forwarded> forwarded = new ArrayList<>();
        /** Every non-empty Ready this member produced, in order. */
        final List<Ready> readies = new ArrayList<>();
        /** When set, writes wait in {@link #pendingWrites} until {@link ProtocolCluster#completeWrites}. */
        boolean manualDisk;
        final ArrayDeque<ReadyExecutor.Write> pendingWrites = new ArrayDeque<>();
        /** How many durable writes this member made. */
        int writes;

        Member(NodeId id) {
            this.id = id;
            this.store = new MemoryLogStore(id.value());
        }

        RaftProtocol p() {
            return protocol;
        }

        /** The whole log as the protocol sees it (durable and unstable). */
        List<LogEntry> log() {
            return protocol.entries(1, protocol.lastIndex() + 1);
        }

        /** The terms of the log, index 1 first. */
        long[] terms() {
            return log().stream().mapToLong(LogEntry::term).toArray();
        }
    }

    final ClusterConfiguration config;
    private final TreeMap<NodeId, Member> members = new TreeMap<>();
    private final long seed;

    /** Options for the tests: ticks of 10 ms, heartbeat every 3 ticks, elections after 15..30 ticks. */
    static RaftOptions.Builder options() {
        return RaftOptions.builder()
                .tickMillis(10)
                .heartbeatIntervalMillis(30)
                .electionTimeoutMillis(150, 300)
                .preVote(false)
                .checkQuorum(false)
                .logStore("memory")
                .transport("test");
    }

    static ProtocolCluster of(int voters) {
        return new ProtocolCluster(options().build(), names(voters), List.of(), 1);
    }

    static ProtocolCluster of(int voters, RaftOptions options) {
        return new ProtocolCluster(options, names(voters), List.of(), 1);
    }

    static List<String> names(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add("n" + i);
        }
        return out;
    }

    ProtocolCluster(RaftOptions options, List<String> voters, List<String> learners, long seed) {
        super(options);
        this.seed = seed;
        Set<NodeId> v = new HashSet<>();
        voters.forEach(s -> v.add(NodeId.of(s)));
        Set<NodeId> l = new HashSet<>();
        learners.forEach(s -> l.add(NodeId.of(s)));
        this.config = new ClusterConfiguration(v, l, Set.of());
        for (NodeId id : config.members()) {
            Member m = new Member(id);
            members.put(id, m);
            m.protocol = newProtocol(m);
            m.executor = new ReadyExecutor(m.protocol, new Host(m));
        }
    }

    private RaftProtocol newProtocol(Member m) {
        long memberSeed = seed * 31 + m.id.value().hashCode();
        return new RaftProtocol(m.id, config, options, StableLog.over(m.store), m.store.state(), 0,
                new SplittableRandom(memberSeed));
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

    /**
     * Puts a log and persistent state on a member's disk and restarts it from there, as if an earlier history had
     * left them. {@code entryTerms[i]} is the term of the entry at index {@code i + 1}.
     */
    void seed(String id, long term, long... entryTerms) {
        Member m = m(id);
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < entryTerms.length; i++) {
            entries.add(LogEntry.command(i + 1, entryTerms[i], bytes(id + "@" + (i + 1) + "t" + entryTerms[i])));
        }
        m.store.write(new PersistentState(term, null), entries);
        restart(id);
    }

    /** Crashes and restarts a member: queued writes are lost, the protocol is rebuilt from its disk. */
    void restart(String id) {
        Member m = m(id);
        m.pendingWrites.clear();
        m.protocol = newProtocol(m);
        m.executor = new ReadyExecutor(m.protocol, new Host(m));
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /**
     * Ticks a member and delivers everything after each tick (dropping what matches {@code dropIf}) until the
     * condition holds; returns how many ticks it took.
     */
    int tickAndSettleUntil(String id, Predicate<RaftProtocol> condition, int maxTicks, Predicate<RaftMessage> dropIf) {
        for (int i = 1; i <= maxTicks; i++) {
            tick(id);
            settle(dropIf);
            if (condition.test(p(id))) {
                return i;
            }
        }
        fail(id + ": condition not reached within " + maxTicks + " ticks");
        return -1;
    }

    /** {@link #campaign}s and returns the new leader. */
    Member elect(String id) {
        campaign(id);
        return m(id);
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

    /** A member's effects: messages go in flight, writes go to its store at once (or queue in manual-disk mode). */
    private final class Host extends RecordingHost {
        private final Member m;

        Host(Member m) {
            super(m.readies, m.readsReady, m.readsFailed);
            this.m = m;
        }

        @Override
        public void persist(ReadyExecutor.Write w) {
            if (m.manualDisk && (w.changesLog() || !m.pendingWrites.isEmpty())) {
                m.pendingWrites.addLast(w);
            } else {
                complete(m, w);
            }
        }

        @Override
        public void compact(long throughIndex) {
            if (throughIndex > m.store.firstIndex() - 1) {
                m.store.compactPrefix(Math.min(throughIndex, m.store.lastIndex()));
            }
        }

        @Override
        public void settle(Ready.Forwarded forwarded) {
            m.forwarded.add(forwarded);
        }

        @Override
        public void apply(List<LogEntry> committed) {
            checkCommittedAreDurable(m, committed);
            m.committed.addAll(committed);
            m.protocol.applied(committed.get(committed.size() - 1).index());
        }
    }

    private static void checkCommittedAreDurable(Member m, List<LogEntry> committed) {
        for (LogEntry e : committed) {
            assertTrue(e.index() <= m.store.lastIndex() && m.store.termAt(e.index()) == e.term(),
                    m.id + " handed out " + e + " for applying before it was on its disk");
        }
    }

    /** Makes a write durable, sends what waited for it and reports it, as the runtime's disk thread does. */
    private void complete(Member m, ReadyExecutor.Write w) {
        if (w.changesLog()) {
            m.store.write(w.state(), w.entries());
            m.writes++;
        }
        inFlight.addAll(w.after());
        m.executor.written(w);
    }

    /** Completes the oldest queued write of a manual-disk member and sends what waited for it. */
    void completeOneWrite(String id) {
        Member m = m(id);
        complete(m, m.pendingWrites.removeFirst());
        process(m);
    }

    /** Completes every queued write of a member, in order. */
    void completeWrites(String id) {
        while (!m(id).pendingWrites.isEmpty()) {
            completeOneWrite(id);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

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

    /** AppendEntries carrying at least one entry (not a bare heartbeat). */
    static Predicate<RaftMessage> appendWithEntries() {
        return msg -> msg instanceof AppendEntriesRequest ae && !ae.entries().isEmpty();
    }

    static String terms(long[] terms) {
        return Arrays.toString(terms);
    }

    static long[] repeat(long term, int count) {
        long[] out = new long[count];
        Arrays.fill(out, term);
        return out;
    }

    static long[] concat(long[]... parts) {
        int n = 0;
        for (long[] p : parts) {
            n += p.length;
        }
        long[] out = new long[n];
        int i = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }
}
