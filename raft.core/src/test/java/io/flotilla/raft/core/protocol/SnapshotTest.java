package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.FeatureCluster.from;
import static io.flotilla.raft.core.protocol.FeatureCluster.id;
import static io.flotilla.raft.core.protocol.FeatureCluster.ids;
import static io.flotilla.raft.core.protocol.FeatureCluster.is;
import static io.flotilla.raft.core.protocol.FeatureCluster.to;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.InstallSnapshotRequest;
import io.flotilla.raft.api.message.InstallSnapshotResponse;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.storage.memory.MemoryLogStore;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Raft §7, log compaction and InstallSnapshot: compaction keeps a tail and never runs ahead of what is durable and
 * applied; a follower behind the leader's first index gets the snapshot one chunk ({@code maxBytesPerMessage}) at a
 * time, each after the previous one is acknowledged; a lost chunk is resent, a chunk at an unexpected offset is
 * answered with the expected one, a failed install restarts from offset 0; the follower answers "done" only once the
 * runtime installed the snapshot; a restart recovers from the snapshot's index and configuration.
 */
class SnapshotTest {

    private static final int CHUNK = 64;

    private static RaftOptions options(long keepTail) {
        return FeatureCluster.options().maxBytesPerMessage(CHUNK).snapshotEntries(1000, keepTail).build();
    }

    /**
     * A 3-member cluster where n1 snapshotted and compacted its log through 13 while n3 was away; with {@code tail},
     * n1 then appended entry 14 (as a busy leader would have).
     */
    private static final class Lagging {
        final FeatureCluster c = FeatureCluster.of(3, options(0));
        final byte[] snapshot;

        Lagging() {
            this(true);
        }

        Lagging(boolean tail) {
            c.elect("n1");
            c.heartbeat("n1");
            c.isolate("n3");
            for (int i = 0; i < 12; i++) {
                c.propose("n1", String.format("command-%02d", i));
            }
            c.settle();
            c.heartbeat("n1");
            assertEquals(13, c.m("n1").appliedIndex);
            snapshot = c.takeSnapshot("n1");
            assertEquals(14, c.p("n1").firstIndex(), "n1 compacted its log through the snapshot");
            assertTrue(snapshot.length > 3 * CHUNK, "the snapshot needs several chunks: " + snapshot.length);
            if (tail) {
                c.propose("n1", "tail");
                c.settle();
            }
            c.heal("n3");
        }

        /** Ticks n1 to its next heartbeat (nothing delivered). */
        void heartbeatTick() {
            c.tick("n1", c.options.heartbeatTicks());
        }

        List<InstallSnapshotRequest> chunksInFlight() {
            return c.inFlight(to("n3").and(is(InstallSnapshotRequest.class))).stream()
                    .map(InstallSnapshotRequest.class::cast).toList();
        }
    }

    // --------------------------------------------------------------------------------------------- compaction

    @Test
    void compactLogCompactsThroughTheSnapshotIndexLessTheKeptTail() {
        FeatureCluster c = FeatureCluster.of(3, options(3));
        c.elect("n1");
        for (int i = 0; i < 10; i++) {
            c.propose("n1", "e" + i);
        }
        c.settle();
        c.heartbeat("n1");
        assertEquals(11, c.m("n1").appliedIndex);

        c.p("n1").compactLog(11);
        c.process(c.m("n1"));
        assertEquals(List.of(8L), c.m("n1").compactions, "Ready.compactThrough = snapshot index - keepTail");
        assertEquals(9, c.p("n1").firstIndex());
        assertEquals(11, c.p("n1").lastIndex());

        c.p("n1").compactLog(10);
        c.process(c.m("n1"));
        assertEquals(List.of(8L), c.m("n1").compactions, "nothing more to compact for an older snapshot");
    }

    @Test
    void compactionNeverRunsAheadOfTheAppliedIndex() {
        FeatureCluster c = FeatureCluster.of(3, options(0));
        c.elect("n1");
        c.heartbeat("n1");
        c.m("n1").manualApply = true;
        for (int i = 0; i < 10; i++) {
            c.propose("n1", "e" + i);
        }
        c.settle();
        assertEquals(11, c.p("n1").commitIndex());
        assertEquals(1, c.m("n1").appliedIndex, "n1's state machine is behind");

        c.p("n1").compactLog(11);
        c.process(c.m("n1"));
        assertTrue(c.m("n1").compactions.stream().allMatch(t -> t <= 1),
                "compacted beyond the applied index: " + c.m("n1").compactions);

        c.applyAll("n1");
        c.p("n1").compactLog(11);
        c.process(c.m("n1"));
        assertEquals(11L, c.m("n1").compactions.get(c.m("n1").compactions.size() - 1));
    }

    /**
     * The durable bound is defensive: with the runtime's inputs applied never passes durable. Here the runtime claims
     * (as a state machine restored from elsewhere might) to have applied entries whose write is not yet acknowledged.
     */
    @Test
    void compactionNeverRunsAheadOfTheDurableIndex() {
        NodeId n1 = id("n1");
        MemoryLogStore store = new MemoryLogStore("n1");
        RaftProtocol p = new RaftProtocol(n1, ClusterConfiguration.ofVoters(ids("n1")), options(0),
                StableLog.over(store), PersistentState.INITIAL, 0, new SplittableRandom(1));
        for (int i = 0; i < 40 && p.role() != RaftRole.LEADER; i++) {
            p.tick();
        }
        assertEquals(RaftRole.LEADER, p.role());
        for (int i = 0; i < 5; i++) {
            p.propose(FeatureCluster.bytes("e" + i));
        }
        Ready r = p.ready();
        assertEquals(6, r.entriesToPersist().size());
        store.write(r.state(), r.entriesToPersist().subList(0, 3));
        p.persisted(3, p.term());
        p.applied(6);
        p.compactLog(6);
        Ready after = p.ready();
        assertTrue(after.compactThrough() <= 3, "compacted beyond the durable index 3: " + after.compactThrough());
    }

    /**
     * A state machine kept on disk may hold more than the newest snapshot (thesis §5.2): the runtime starts the
     * protocol at its index, which is committed (only committed entries are applied), so the commit index starts there
     * and the first entry handed out for applying is the next one — the protocol and the applier agree.
     */
    @Test
    void aStateMachineAheadOfTheSnapshotResumesAtItsOwnIndex() {
        NodeId n1 = id("n1");
        ClusterConfiguration config = ClusterConfiguration.ofVoters(ids("n1"));
        MemoryLogStore store = new MemoryLogStore("n1");
        List<LogEntry> entries = new ArrayList<>();
        for (long i = 1; i <= 10; i++) {
            entries.add(LogEntry.command(i, 1, FeatureCluster.bytes("e" + i)));
        }
        store.write(new PersistentState(1, n1), entries);
        SnapshotFormat.Header snapshot = new SnapshotFormat.Header(4, 1,
                new MembershipCodec.Membership(config, Map.of()), 100);

        RaftProtocol p = new RaftProtocol(n1, config, Map.of(), options(0), StableLog.over(store), store.state(),
                snapshot, 7, SnapshotSource.NONE, new SplittableRandom(1));
        assertEquals(7, p.commitIndex(), "the state machine's index is committed");
        for (int i = 0; i < 200 && p.role() != RaftRole.LEADER; i++) {
            p.tick();
        }
        assertEquals(RaftRole.LEADER, p.role());
        Ready r = p.ready();
        assertTrue(r.committed().isEmpty(), "nothing to apply before the new leader's no-op is durable");
        store.write(r.state(), r.entriesToPersist());
        p.persisted(11, p.term());
        List<LogEntry> committed = p.ready().committed();
        assertEquals(8, committed.get(0).index(),
                "applying resumes after the state machine's index, not the snapshot's");
        assertEquals(11, committed.get(committed.size() - 1).index());

        assertThrows(IllegalArgumentException.class, () -> new RaftProtocol(n1, config, Map.of(), options(0),
                StableLog.over(store), store.state(), snapshot, 3, SnapshotSource.NONE, new SplittableRandom(1)),
                "below the snapshot");
        assertThrows(IllegalArgumentException.class, () -> new RaftProtocol(n1, config, Map.of(), options(0),
                StableLog.over(store), store.state(), snapshot, 12, SnapshotSource.NONE, new SplittableRandom(1)),
                "beyond the log");
    }

    // ----------------------------------------------------------------------------------------- InstallSnapshot

    @Test
    void aFollowerBehindTheFirstIndexGetsTheSnapshotOneBoundedChunkAtATime() {
        Lagging s = new Lagging();
        FeatureCluster c = s.c;
        c.m("n3").manualInstall = true;
        s.heartbeatTick();

        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        List<InstallSnapshotRequest> seen = new ArrayList<>();
        while (true) {
            List<InstallSnapshotRequest> inFlight = s.chunksInFlight();
            assertEquals(1, inFlight.size(), "exactly one chunk in flight at a time: " + inFlight);
            InstallSnapshotRequest chunk = inFlight.get(0);
            seen.add(chunk);
            assertEquals(13, chunk.snapshotIndex());
            assertEquals(sent.size(), chunk.offset(), "chunks follow on from each other");
            assertTrue(chunk.data().length <= CHUNK, "chunk of " + chunk.data().length + " bytes > " + CHUNK);
            sent.writeBytes(chunk.data());
            c.deliverOnce(to("n3").and(is(InstallSnapshotRequest.class)));
            if (chunk.last()) {
                break;
            }
            // Until n3's answer arrives, not even a heartbeat makes n1 send the next chunk.
            s.heartbeatTick();
            assertTrue(s.chunksInFlight().isEmpty(), "next chunk sent before the previous was acknowledged");
            c.deliverOnce(from("n3").and(is(InstallSnapshotResponse.class)));
        }
        assertArrayEquals(s.snapshot, sent.toByteArray(), "the chunks make up n1's snapshot");
        assertEquals(4, seen.size());
        assertEquals(seen.stream().map(InstallSnapshotRequest::offset).toList(),
                c.m("n3").chunks.stream().map(Ready.SnapshotChunk::offset).toList(),
                "n3 hands every chunk to its runtime, in order");
        assertTrue(c.m("n3").chunks.get(c.m("n3").chunks.size() - 1).last());

        assertTrue(c.inFlight(from("n3")).isEmpty(), "no answer to the last chunk before the snapshot is installed");
        c.install("n3");
        List<RaftMessage> done = c.inFlight(from("n3"));
        assertEquals(List.of(new InstallSnapshotResponse(id("n3"), id("n1"), 1, 13, 0, true)), done);
        assertEquals(13, c.p("n3").commitIndex());

        c.settle();
        ProposalResult after = c.propose("n1", "after");
        c.settle();
        c.heartbeat("n1");
        assertEquals(15, after.index());
        assertEquals(15, c.p("n3").lastIndex(), "n3 accepts appends after the snapshot index");
        assertEquals(15, c.p("n3").commitIndex());
        assertEquals(15, c.m("n3").appliedIndex);
        assertArrayEquals(FeatureCluster.bytes("after"), c.m("n3").applied.get(c.m("n3").applied.size() - 1).payload());
    }

    /**
     * After an install the leader knows the follower matches it at the snapshot index and probes from there. When the
     * leader has nothing after the snapshot (an idle cluster: snapshots are taken at the applied index), the probe's
     * answer does not move the match index; the follower must still leave probing, or every answer triggers another
     * empty AppendEntries, forever.
     */
    /**
     * etcd pauses log compaction while a snapshot is in flight: a follower installing the snapshot at 13 needs the
     * entries after 13, so a newer snapshot must not compact them away meanwhile (with snapshots written on demand,
     * behind checkpoints, the transfer would otherwise start over at every checkpoint, possibly forever).
     */
    @Test
    void compactionStopsAtASnapshotBeingSentToAFollowerThatAnswers() {
        Lagging s = new Lagging();
        FeatureCluster c = s.c;
        c.m("n3").manualInstall = true;
        s.heartbeatTick();
        c.settle(); // every chunk delivered and answered but the last, which waits for the install
        assertTrue(c.m("n3").received != null, "n3 holds the whole snapshot, not yet installed");
        for (int i = 0; i < 5; i++) {
            c.propose("n1", "more-" + i);
        }
        c.settle();
        c.heartbeat("n1");
        c.takeSnapshot("n1");
        assertEquals(14, c.p("n1").firstIndex(), "n1 keeps the entries after the snapshot n3 is installing");

        c.install("n3");
        c.settle();
        c.takeSnapshot("n1");
        assertEquals(c.m("n1").appliedIndex + 1, c.p("n1").firstIndex(), "once installed, compaction goes on");
    }

    @Test
    void anIdleFollowerThatInstalledASnapshotIsNotProbedOverAndOver() {
        Lagging s = new Lagging(false);
        FeatureCluster c = s.c;
        assertEquals(13, c.p("n1").lastIndex());
        s.heartbeatTick();
        int deliveries = 0;
        while (!c.inFlight.isEmpty() && deliveries < 100) {
            RaftMessage next = c.inFlight.get(0);
            c.deliverOnce(m -> m == next);
            deliveries++;
        }
        assertEquals(1, c.m("n3").installs);
        long emptyAppends = c.delivered.stream().filter(m -> m instanceof AppendEntriesRequest ae
                && ae.to().equals(id("n3")) && ae.entries().isEmpty()).count();
        assertTrue(c.inFlight.isEmpty(), "n1 and n3 still exchange messages after " + deliveries + " deliveries ("
                + emptyAppends + " empty AppendEntries to n3), with nothing to replicate: " + c.inFlight);
    }

    @Test
    void aLostChunkIsResentOnAHeartbeatOnceItHasGoneUnansweredForAnElectionTimeout() {
        Lagging s = new Lagging();
        FeatureCluster c = s.c;
        s.heartbeatTick();
        InstallSnapshotRequest lost = s.chunksInFlight().get(0);
        c.drop(is(InstallSnapshotRequest.class));

        int ticks = 0;
        while (s.chunksInFlight().isEmpty() && ticks < 3 * c.options.electionTimeoutMaxTicks()) {
            c.settle();
            c.tick("n1");
            ticks++;
        }
        List<InstallSnapshotRequest> resent = s.chunksInFlight();
        assertEquals(List.of(lost), resent, "the same chunk is sent again");
        int min = c.options.electionTimeoutMinTicks();
        assertTrue(ticks >= min, "resent after " + ticks + " ticks: a slow follower would get chunks piled up");
        assertTrue(ticks <= min + c.options.heartbeatTicks(), "resent only after " + ticks + " ticks");

        c.settle();
        c.heartbeat("n1");
        assertEquals(1, c.m("n3").installs);
        assertEquals(c.p("n1").lastIndex(), c.p("n3").lastIndex());
    }

    @Test
    void aChunkAtAnUnexpectedOffsetIsAnsweredWithTheExpectedOffset() {
        Lagging s = new Lagging();
        FeatureCluster c = s.c;
        InstallSnapshotRequest template = new InstallSnapshotRequest(id("n1"), id("n3"), 1, 13, 1,
                c.p("n1").configuration(), 2 * CHUNK, Arrays.copyOfRange(s.snapshot, 2 * CHUNK, 3 * CHUNK), false);

        // Nothing received yet: the follower wants offset 0.
        c.step("n3", template);
        assertEquals(List.of(new InstallSnapshotResponse(id("n3"), id("n1"), 1, 13, 0, false)), c.inFlight(from("n3")));
        assertTrue(c.m("n3").chunks.isEmpty(), "an out-of-place chunk is not handed to the runtime");
        c.drop(m -> true);

        // Chunk 0 arrives (its answer is lost), then the one at 2 * CHUNK: n3 asks for CHUNK.
        s.heartbeatTick();
        c.deliverOnce(to("n3").and(is(InstallSnapshotRequest.class)));
        c.drop(from("n3"));
        c.step("n3", template);
        List<RaftMessage> answer = c.inFlight(from("n3"));
        assertEquals(List.of(new InstallSnapshotResponse(id("n3"), id("n1"), 1, 13, CHUNK, false)), answer);
        assertEquals(1, c.m("n3").chunks.size());

        // The leader continues from the offset the follower asked for.
        c.deliverOnce(from("n3"));
        List<InstallSnapshotRequest> next = s.chunksInFlight();
        assertEquals(1, next.size());
        assertEquals(CHUNK, next.get(0).offset());
        c.settle();
        assertEquals(1, c.m("n3").installs);
        assertTrue(c.p("n3").commitIndex() >= 13);
        assertEquals(c.p("n1").lastIndex(), c.p("n3").lastIndex());
    }

    @Test
    void aSnapshotThatFailsToInstallIsReceivedAgainFromOffsetZero() {
        Lagging s = new Lagging();
        FeatureCluster c = s.c;
        s.heartbeatTick();
        // Deliver the transfer chunk by chunk, corrupting one byte of the second chunk on the way.
        boolean last = false;
        while (!last) {
            List<InstallSnapshotRequest> inFlight = s.chunksInFlight();
            assertEquals(1, inFlight.size());
            InstallSnapshotRequest chunk = inFlight.get(0);
            last = chunk.last();
            if (chunk.offset() == CHUNK) {
                byte[] data = chunk.data().clone();
                data[5] ^= 0x40;
                c.drop(m -> m == chunk);
                c.inFlight.add(new InstallSnapshotRequest(chunk.from(), chunk.to(), chunk.term(), chunk.snapshotIndex(),
                        chunk.snapshotTerm(), chunk.configuration(), chunk.offset(), data, chunk.last()));
            }
            c.deliverOnce(to("n3").and(is(InstallSnapshotRequest.class)));
            c.deliverOnce(from("n3").and(is(InstallSnapshotResponse.class)));
        }
        assertEquals(1, c.m("n3").failedInstalls, "the runtime rejected the damaged snapshot");
        assertEquals(0, c.m("n3").installs);
        assertEquals(1, c.p("n3").commitIndex());
        int chunksBefore = c.m("n3").chunks.size();

        // n1 hears nothing, resends the last chunk; n3 answers that it wants offset 0; the transfer starts over.
        c.run(c.options.electionTimeoutMinTicks() + c.options.heartbeatTicks(), "n1", "n2");
        List<Ready.SnapshotChunk> again = c.m("n3").chunks.subList(chunksBefore, c.m("n3").chunks.size());
        assertFalse(again.isEmpty());
        assertEquals(0, again.get(0).offset(), "after a failed install the transfer restarts from offset 0");
        assertTrue(c.delivered.stream().anyMatch(m -> m instanceof InstallSnapshotResponse r && r.from().equals(id("n3"))
                && !r.done() && r.nextOffset() == 0), "n3 asked for offset 0");
        assertEquals(1, c.m("n3").installs, "the second transfer installs");
        assertTrue(c.p("n3").commitIndex() >= 13);
        assertEquals(c.p("n1").lastIndex(), c.p("n3").lastIndex());
    }

    @Test
    void aSnapshotAtOrBelowTheFollowersCommitIndexIsAnsweredDoneWithoutChunks() {
        Lagging s = new Lagging();
        FeatureCluster c = s.c;
        long commit = c.p("n2").commitIndex();
        long last = c.p("n2").lastIndex();
        assertTrue(commit >= 13);
        for (long index : new long[] {commit, 5}) {
            c.drop(m -> true);
            c.step("n2", new InstallSnapshotRequest(id("n1"), id("n2"), 1, index, 1, c.p("n1").configuration(), 0,
                    Arrays.copyOf(s.snapshot, CHUNK), false));
            assertEquals(List.of(new InstallSnapshotResponse(id("n2"), id("n1"), 1, index, 0, true)),
                    c.inFlight(from("n2")), "snapshot " + index);
        }
        assertTrue(c.m("n2").chunks.isEmpty(), "nothing to write: n2 already holds all of it");
        assertEquals(last, c.p("n2").lastIndex(), "n2's log is untouched");
        assertEquals(commit, c.p("n2").commitIndex());
    }

    /**
     * After {@code snapshotInstalled} the follower's whole log is gone (the store was reset to end at the snapshot
     * index), so it must use the snapshot's configuration — not a configuration entry of the discarded log above the
     * snapshot index, which may never have been committed.
     */
    @Test
    void installingASnapshotForgetsConfigurationsOfTheDiscardedLog() {
        RaftOptions options = FeatureCluster.options().preVote(false).checkQuorum(false).snapshotEntries(1000, 0).build();
        FeatureCluster c = new FeatureCluster(options, FeatureCluster.names(1, 5), List.of(), List.of("n6"), 1);
        c.elect("n1");
        // n1 replicates 2..7 and an (uncommitted) joint configuration at 8 to n3 only.
        for (String n : List.of("n2", "n4", "n5")) {
            c.cut("n1", n);
        }
        for (int i = 0; i < 6; i++) {
            c.propose("n1", "old-" + i);
        }
        c.p("n1").proposeMembership(FeatureCluster.withAddresses("n1", "n2", "n3", "n4", "n5", "n6"), Map.of());
        c.process(c.m("n1"));
        c.settle();
        assertEquals(8, c.p("n3").lastIndex());
        assertTrue(c.p("n3").configuration().isJoint());

        // n2 leads term 2 with n4 and n5, and snapshots through 7.
        c.isolate("n1");
        c.isolate("n3");
        c.elect("n2");
        for (int i = 0; i < 5; i++) {
            c.propose("n2", "new-" + i);
        }
        c.settle();
        c.heartbeat("n2");
        assertEquals(7, c.m("n2").appliedIndex);
        c.takeSnapshot("n2");
        assertEquals(8, c.p("n2").firstIndex());
        ClusterConfiguration snapshotConfig = c.p("n2").configuration();
        assertFalse(snapshotConfig.isJoint());

        // n3 comes back: n2 sends the snapshot (one chunk), n3 installs it.
        c.heal("n3");
        c.tick("n2", c.options.heartbeatTicks());
        assertEquals(1, c.deliverOnce(to("n3").and(is(InstallSnapshotRequest.class))));
        assertEquals(1, c.m("n3").installs);
        assertEquals(7, c.p("n3").lastIndex());
        assertEquals(snapshotConfig, c.p("n3").configuration(),
                "n3 still uses the joint configuration of its discarded entry 8");
    }

    // ------------------------------------------------------------------------------------------ format, recovery

    @Test
    void snapshotFormatRoundTripsAndRejectsEveryFlippedByteAndEveryTruncation() {
        MembershipCodec.Membership membership = new MembershipCodec.Membership(
                ClusterConfiguration.ofVoters(ids("n1", "n2", "n3")), Map.of(id("n1"), "a:1", id("n2"), "b:2"));
        byte[] data = FeatureCluster.bytes("the state machine's bytes");
        byte[] bytes = SnapshotFormat.encode(42, 7, membership, data);
        SnapshotFormat.Decoded d = SnapshotFormat.decode(bytes);
        assertEquals(new SnapshotFormat.Header(42, 7, membership, bytes.length), d.header());
        assertArrayEquals(data, d.data());

        for (int i = 0; i < bytes.length; i++) {
            byte[] damaged = bytes.clone();
            damaged[i] ^= (byte) 0xff;
            assertThrows(IllegalArgumentException.class, () -> SnapshotFormat.decode(damaged), "byte " + i + " flipped");
        }
        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThrows(IllegalArgumentException.class, () -> SnapshotFormat.decode(truncated),
                    "truncated to " + length);
        }
    }

    @Test
    void aMemberRecoveredFromASnapshotStartsAtItsIndexWithItsConfiguration() {
        ClusterConfiguration snapshotConfig = ClusterConfiguration.ofVoters(ids("n1", "n2", "n4"));
        Map<NodeId, String> addresses = new TreeMap<>(Map.of(id("n1"), "h1:1", id("n2"), "h2:2", id("n4"), "h4:4"));
        byte[] bytes = SnapshotFormat.encode(50, 3, new MembershipCodec.Membership(snapshotConfig, addresses),
                FeatureCluster.bytes("state"));
        SnapshotFormat.Header header = SnapshotFormat.decode(bytes).header();
        MemoryLogStore store = new MemoryLogStore("n3");
        store.reset(50, 3);
        store.write(new PersistentState(3, null), List.of());

        // n3 was configured as a voter of {n1, n2, n3}; the snapshot says it no longer is.
        RaftProtocol p = new RaftProtocol(id("n3"), ClusterConfiguration.ofVoters(ids("n1", "n2", "n3")),
                Map.of(id("n1"), "x", id("n2"), "y", id("n3"), "z"), FeatureCluster.options().build(),
                StableLog.over(store), store.state(), header, header.index(), SnapshotSource.NONE,
                new SplittableRandom(3));

        assertEquals(50, p.commitIndex());
        assertEquals(51, p.firstIndex());
        assertEquals(50, p.lastIndex());
        assertEquals(3, p.termAt(50));
        assertEquals(snapshotConfig, p.configuration());
        Ready first = p.ready();
        assertNotNull(first.peers());
        assertEquals(addresses, first.peers(), "the transport learns the snapshot's addresses");

        // Applying resumes after the snapshot, not from index 1.
        p.step(new AppendEntriesRequest(id("n1"), id("n3"), 3, 50, 3, List.of(LogEntry.command(51, 3,
                FeatureCluster.bytes("x"))), 51, 0));
        Ready r = p.ready();
        assertEquals(1, r.entriesToPersist().size());
        store.write(r.state(), r.entriesToPersist());
        p.persisted(51, 3);
        Ready applied = p.ready();
        assertEquals(List.of(51L), applied.committed().stream().map(LogEntry::index).toList());

        // Not a voter by the snapshot's configuration: it never campaigns.
        for (int i = 0; i < 10 * FeatureCluster.options().build().electionTimeoutMaxTicks(); i++) {
            p.tick();
            Ready t = p.ready();
            assertTrue(t.sendNow().stream().noneMatch(RequestVoteRequest.class::isInstance)
                    && t.sendAfterPersist().stream().noneMatch(RequestVoteRequest.class::isInstance));
        }
        assertEquals(RaftRole.FOLLOWER, p.role());
    }
}
