package io.flotilla.raft.core.protocol;

import static io.flotilla.raft.core.protocol.FeatureCluster.appendWithEntries;
import static io.flotilla.raft.core.protocol.FeatureCluster.from;
import static io.flotilla.raft.core.protocol.FeatureCluster.id;
import static io.flotilla.raft.core.protocol.FeatureCluster.ids;
import static io.flotilla.raft.core.protocol.FeatureCluster.involving;
import static io.flotilla.raft.core.protocol.FeatureCluster.is;
import static io.flotilla.raft.core.protocol.FeatureCluster.to;
import static io.flotilla.raft.core.protocol.FeatureCluster.withAddresses;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftOptions;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.RequestVoteRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Raft §6 / thesis §4.3, membership changes by joint consensus: C(old,new) needs majorities of both old and new voters;
 * once it commits the leader appends C(new) by itself; one change at a time; learners replicate without voting; a
 * leader that removes itself steps down when C(new) commits; a member uses the latest configuration in its log, so an
 * overwritten configuration entry takes its configuration back. Configuration entries carry every member's address.
 */
class MembershipChangeTest {

    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters(ids("n1", "n2", "n3"));

    private static FeatureCluster cluster(List<String> voters, List<String> learners, List<String> spares) {
        return new FeatureCluster(FeatureCluster.options().build(), voters, learners, spares, 1);
    }

    private static ProposalResult change(FeatureCluster c, String leader, Map<NodeId, String> voters,
                                         Map<NodeId, String> learners) {
        ProposalResult r = c.p(leader).proposeMembership(voters, learners);
        c.process(c.m(leader));
        return r;
    }

    private static void heartbeats(FeatureCluster c, String leader, int n) {
        for (int i = 0; i < n; i++) {
            c.heartbeat(leader);
        }
    }

    @Test
    void addingTwoVotersGoesThroughAJointConfigurationAndTheLeaderAppendsTheFinalOneItself() {
        FeatureCluster c = cluster(FeatureCluster.names(1, 3), List.of(), List.of("n4", "n5"));
        c.elect("n1");
        c.heartbeat("n1");

        ProposalResult r = change(c, "n1", withAddresses("n1", "n2", "n3", "n4", "n5"), Map.of());
        assertTrue(r.accepted());
        assertEquals(2, r.index());
        ClusterConfiguration joint = c.p("n1").configuration();
        assertTrue(joint.isJoint(), "a change of voters starts with C(old,new): " + joint);
        assertEquals(ids("n1", "n2", "n3", "n4", "n5"), joint.voters());
        assertEquals(ids("n1", "n2", "n3"), joint.outgoingVoters());
        assertEquals(EntryKind.CONFIGURATION, c.p("n1").entries(2, 3).get(0).kind());

        c.settle();
        heartbeats(c, "n1", 2);

        ClusterConfiguration fin = c.p("n1").configuration();
        assertFalse(fin.isJoint(), "after C(old,new) commits the leader moves on to C(new): " + fin);
        assertEquals(ids("n1", "n2", "n3", "n4", "n5"), fin.voters());
        assertEquals(3, c.p("n1").lastIndex(), "no-op, C(old,new), C(new): the leader appended C(new) itself");
        LogEntry last = c.p("n1").entries(3, 4).get(0);
        assertEquals(EntryKind.CONFIGURATION, last.kind());
        assertEquals(fin, MembershipCodec.decode(last.payload()).config());
        assertEquals(3, c.p("n1").commitIndex(), "C(new) commits");
        for (String n : List.of("n2", "n3", "n4", "n5")) {
            assertEquals(fin, c.p(n).configuration(), n + " uses the latest configuration in its log");
            assertEquals(3, c.p(n).commitIndex(), n);
        }
    }

    @Test
    void peersCarryEveryMembersAddressAfterAChangeAndJoinersLearnThemFromTheLog() {
        FeatureCluster c = cluster(FeatureCluster.names(1, 3), List.of(), List.of("n4", "n5"));
        c.elect("n1");
        Map<NodeId, String> voters = new TreeMap<>(withAddresses("n1", "n2", "n3"));
        voters.put(id("n4"), "10.0.0.4:7000");
        Map<NodeId, String> learners = Map.of(id("n5"), "10.0.0.5:7000");
        change(c, "n1", voters, learners);

        List<Map<NodeId, String>> updates = c.m("n1").peerUpdates();
        Map<NodeId, String> peers = updates.get(updates.size() - 1);
        assertEquals("10.0.0.4:7000", peers.get(id("n4")));
        assertEquals("10.0.0.5:7000", peers.get(id("n5")));
        assertEquals("addr-n2", peers.get(id("n2")));

        c.settle();
        heartbeats(c, "n1", 2);
        // n5 started knowing only n1..n3's addresses; the configuration entries told it the others.
        List<Map<NodeId, String>> n5 = c.m("n5").peerUpdates();
        Map<NodeId, String> learned = n5.get(n5.size() - 1);
        assertEquals("10.0.0.4:7000", learned.get(id("n4")));
        assertEquals("addr-n1", learned.get(id("n1")));
        assertEquals(Set.of(id("n1"), id("n2"), id("n3"), id("n4"), id("n5")), learned.keySet());
        assertEquals(ids("n5"), c.p("n5").configuration().learners());
    }

    @Test
    void aJointConfigurationCommitsNothingOnTheOldVotersMajorityAlone() {
        FeatureCluster c = cluster(FeatureCluster.names(1, 3), List.of(), List.of("n4", "n5"));
        c.elect("n1");
        c.heartbeat("n1");
        // Replace n2, n3 by n4, n5: old {n1,n2,n3}, new {n1,n4,n5}.
        ProposalResult r = change(c, "n1", withAddresses("n1", "n4", "n5"), Map.of());

        c.settle(involving("n4").or(involving("n5")));
        assertEquals(r.index(), c.p("n2").lastIndex());
        assertEquals(r.index(), c.p("n3").lastIndex());
        assertTrue(c.p("n1").commitIndex() < r.index(), "n1, n2, n3 are a majority of the old voters only");
        c.isolate("n4");
        c.isolate("n5");
        heartbeats(c, "n1", 2);
        assertTrue(c.p("n1").commitIndex() < r.index(), "still no majority of the new voters");

        c.heal("n4");
        heartbeats(c, "n1", 2);
        assertTrue(c.p("n1").commitIndex() >= r.index(), "n1 + n4 are a majority of {n1, n4, n5}");
    }

    @Test
    void aJointConfigurationCommitsNothingOnTheNewVotersMajorityAlone() {
        FeatureCluster c = cluster(FeatureCluster.names(1, 3), List.of(), List.of("n4", "n5"));
        c.elect("n1");
        c.heartbeat("n1");
        ProposalResult r = change(c, "n1", withAddresses("n1", "n4", "n5"), Map.of());

        c.isolate("n2");
        c.isolate("n3");
        c.settle();
        heartbeats(c, "n1", 2);
        assertEquals(r.index(), c.p("n4").lastIndex());
        assertEquals(r.index(), c.p("n5").lastIndex());
        assertTrue(c.p("n1").commitIndex() < r.index(), "n1, n4, n5 are a majority of the new voters only");

        c.heal("n2");
        heartbeats(c, "n1", 2);
        assertTrue(c.p("n1").commitIndex() >= r.index(), "n1 + n2 are a majority of {n1, n2, n3}");
    }

    @Test
    void aCandidateInAJointConfigurationNeedsAMajorityOfTheOldVotersToo() {
        RaftOptions options = FeatureCluster.options().preVote(false).checkQuorum(false).build();
        FeatureCluster c = new FeatureCluster(options, FeatureCluster.names(1, 3), List.of(), List.of("n4", "n5"), 1);
        c.elect("n1");
        // C(old = {n1,n2,n3}, new = {n1,n4,n5}) reaches only n4 and n5; it never commits.
        change(c, "n1", withAddresses("n1", "n4", "n5"), Map.of());
        c.settle(involving("n2").or(involving("n3")));
        assertTrue(c.p("n4").configuration().isJoint());

        // n1 is gone; n4 campaigns and gets n5's vote: a majority of the new voters, none of the old ones.
        c.isolate("n1");
        c.isolate("n2");
        c.isolate("n3");
        c.tickUntil("n4", p -> p.role() == RaftRole.CANDIDATE, options.electionTimeoutMaxTicks() + 1);
        c.settle();
        assertTrue(c.delivered.stream().anyMatch(m -> m instanceof io.flotilla.raft.api.message.RequestVoteResponse r
                && r.from().equals(id("n5")) && r.granted()), "n5 voted for n4");
        assertEquals(RaftRole.CANDIDATE, c.p("n4").role(), "n4, n5 are no majority of the old voters {n1, n2, n3}");

        c.heal("n2");
        c.tickUntil("n4", p -> p.role() == RaftRole.CANDIDATE && p.term() > 2, options.electionTimeoutMaxTicks() + 1);
        c.settle();
        assertEquals(RaftRole.CANDIDATE, c.p("n4").role(), "n2 alone is no majority of {n1, n2, n3}");

        c.heal("n3");
        c.tickUntil("n4", p -> p.role() == RaftRole.CANDIDATE && p.term() > 3, options.electionTimeoutMaxTicks() + 1);
        c.settle();
        assertEquals(RaftRole.LEADER, c.p("n4").role(), "n2 + n3 are a majority of the old voters, n4 + n5 of the new");
    }

    @Test
    void aSecondChangeWhileOneIsInProgressIsRefused() {
        FeatureCluster c = cluster(FeatureCluster.names(1, 3), List.of(), List.of("n4", "n5"));
        c.elect("n1");
        change(c, "n1", withAddresses("n1", "n2", "n3", "n4"), Map.of());
        long last = c.p("n1").lastIndex();

        assertThrows(IllegalStateException.class,
                () -> c.p("n1").proposeMembership(withAddresses("n1", "n2", "n3", "n4", "n5"), Map.of()));
        assertEquals(last, c.p("n1").lastIndex(), "the refused change appended nothing");

        c.settle();
        heartbeats(c, "n1", 2);
        assertFalse(c.p("n1").configuration().isJoint());
        assertTrue(change(c, "n1", withAddresses("n1", "n2", "n3", "n4", "n5"), Map.of()).accepted(),
                "once C(new) committed, the next change may start");
    }

    @Test
    void aLearnerReceivesTheLogButNeverCampaignsAndIsNeverAskedForItsVote() {
        FeatureCluster c = cluster(FeatureCluster.names(1, 3), List.of("n4"), List.of());
        c.elect("n1");
        c.propose("n1", "x");
        c.settle();
        c.heartbeat("n1");
        assertEquals(2, c.p("n4").lastIndex());
        assertArrayEquals(FeatureCluster.bytes("x"), c.m("n4").applied.get(1).payload(), "the learner applies x");
        assertTrue(c.delivered.stream().noneMatch(m -> m instanceof RequestVoteRequest && m.to().equals(id("n4"))),
                "nobody asks a learner for its vote");

        c.isolate("n1");
        c.tick("n4", 10 * c.options.electionTimeoutMaxTicks());
        assertEquals(RaftRole.FOLLOWER, c.p("n4").role(), "a learner never campaigns");
        assertEquals(1, c.p("n4").term());
        assertTrue(c.m("n4").readies.stream().flatMap(r -> r.sendNow().stream()).noneMatch(RequestVoteRequest.class::isInstance));
        assertTrue(c.m("n4").readies.stream().flatMap(r -> r.sendAfterPersist().stream())
                .noneMatch(RequestVoteRequest.class::isInstance));
    }

    @Test
    void aLearnersAcknowledgementIsNeitherNeededNorCountedForCommit() {
        FeatureCluster c = cluster(FeatureCluster.names(1, 3), List.of("n4"), List.of());
        c.elect("n1");
        c.isolate("n4");
        ProposalResult x = c.propose("n1", "x");
        c.settle();
        assertEquals(x.index(), c.p("n1").commitIndex(), "committed by voters n1, n2, n3 without the learner");

        c.heal("n4");
        c.isolate("n2");
        c.isolate("n3");
        ProposalResult y = c.propose("n1", "y");
        c.settle();
        heartbeats(c, "n1", 2);
        assertEquals(y.index(), c.p("n4").lastIndex(), "the learner has y");
        assertTrue(c.p("n1").commitIndex() < y.index(), "n1 + learner n4 are not a majority of the voters");
    }

    @Test
    void promotingALaggingLearnerIsRefusedUntilItHasCaughtUp() {
        FeatureCluster c = cluster(FeatureCluster.names(1, 3), List.of("n4"), List.of());
        c.elect("n1");
        c.heartbeat("n1");
        c.isolate("n4");
        for (int i = 0; i < 20; i++) {
            c.propose("n1", "e" + i);
        }
        c.settle();
        long last = c.p("n1").lastIndex();
        ClusterConfiguration before = c.p("n1").configuration();

        assertThrows(IllegalStateException.class,
                () -> c.p("n1").proposeMembership(withAddresses("n1", "n2", "n3", "n4"), Map.of()));
        assertEquals(last, c.p("n1").lastIndex());
        assertEquals(before, c.p("n1").configuration());

        c.heal("n4");
        c.heartbeat("n1");
        assertEquals(last, c.p("n4").lastIndex());
        ProposalResult r = change(c, "n1", withAddresses("n1", "n2", "n3", "n4"), Map.of());
        assertTrue(r.accepted(), "a caught-up learner can be promoted");
        assertEquals(ids("n1", "n2", "n3", "n4"), c.p("n1").configuration().voters());
    }

    @Test
    void aLeaderThatRemovesItselfStepsDownOnceTheFinalConfigurationCommits() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        c.heartbeat("n1");
        ProposalResult r = change(c, "n1", withAddresses("n2", "n3"), Map.of());
        assertEquals(ids("n1", "n2", "n3"), c.p("n1").configuration().outgoingVoters());

        // C(old,new) reaches n2 and n3 and commits; n1 appends C(new) and still leads while it is uncommitted.
        c.deliverOnce(to("n1").negate().and(appendWithEntries()));
        c.deliverOnce(to("n1").and(is(AppendEntriesResponse.class)));
        assertEquals(r.index(), c.p("n1").commitIndex());
        long cNew = r.index() + 1;
        assertEquals(cNew, c.p("n1").lastIndex(), "C(new) appended");
        assertEquals(ids("n2", "n3"), c.p("n1").configuration().voters());
        assertFalse(c.p("n1").configuration().isJoint());
        assertEquals(RaftRole.LEADER, c.p("n1").role(), "a leader manages the change until C(new) commits");

        c.settle();
        assertTrue(c.p("n1").commitIndex() >= cNew);
        assertEquals(RaftRole.FOLLOWER, c.p("n1").role(), "out of the configuration: step down");

        // The others elect a leader among themselves; n1 never campaigns again.
        for (int i = 0; i < 10 * c.options.electionTimeoutMaxTicks()
                && c.p("n2").role() != RaftRole.LEADER && c.p("n3").role() != RaftRole.LEADER; i++) {
            c.run(1, "n1", "n2", "n3");
        }
        assertTrue(c.p("n2").role() == RaftRole.LEADER || c.p("n3").role() == RaftRole.LEADER);
        int asked = c.m("n1").readies.size();
        c.isolate("n1");
        c.tick("n1", 10 * c.options.electionTimeoutMaxTicks());
        assertEquals(RaftRole.FOLLOWER, c.p("n1").role());
        assertTrue(c.m("n1").readies.subList(asked, c.m("n1").readies.size()).stream()
                .flatMap(x -> java.util.stream.Stream.concat(x.sendNow().stream(), x.sendAfterPersist().stream()))
                .noneMatch(RequestVoteRequest.class::isInstance), "a removed member never asks for votes");
    }

    @Test
    void anOverwrittenConfigurationEntryRevertsTheFollowersConfiguration() {
        RaftOptions options = FeatureCluster.options().preVote(false).checkQuorum(false).build();
        FeatureCluster c = new FeatureCluster(options, FeatureCluster.names(1, 5), List.of(), List.of("n6"), 1);
        c.elect("n1");
        ClusterConfiguration initial = c.p("n2").configuration();
        change(c, "n1", withAddresses("n1", "n2", "n3", "n4", "n5", "n6"), Map.of());
        c.deliverOnce(to("n2").and(appendWithEntries()));
        c.drop(m -> true);
        assertTrue(c.p("n2").configuration().isJoint(), "n2 uses the uncommitted joint configuration at once");
        assertTrue(c.m("n2").peerUpdates().get(c.m("n2").peerUpdates().size() - 1).containsKey(id("n6")));

        // n1 is lost; n3 wins term 2 with n4 and n5 and overwrites index 2 on n2.
        c.isolate("n1");
        c.elect("n3");
        c.heartbeat("n3");
        assertEquals(2, c.p("n2").termAt(2), "n2's entry 2 was replaced by n3's no-op");
        assertEquals(initial, c.p("n2").configuration(), "the configuration goes back with the entry");
        Map<NodeId, String> peers = c.m("n2").peerUpdates().get(c.m("n2").peerUpdates().size() - 1);
        assertFalse(peers.containsKey(id("n6")), "the transport is told to forget n6 again: " + peers);
        assertTrue(change(c, "n3", withAddresses("n1", "n2", "n3", "n4"), Map.of()).accepted(),
                "no change is in progress any more");
    }

    @Test
    void aVoterCannotBeDemotedToLearnerInAChangeOfVoters() {
        FeatureCluster c = FeatureCluster.of(3);
        c.elect("n1");
        long last = c.p("n1").lastIndex();
        assertThrows(IllegalArgumentException.class,
                () -> c.p("n1").proposeMembership(withAddresses("n1", "n2"), withAddresses("n3")));
        assertEquals(last, c.p("n1").lastIndex());
        assertEquals(THREE, c.p("n1").configuration());

        // The documented way: remove it, then add it back as a learner.
        change(c, "n1", withAddresses("n1", "n2"), Map.of());
        c.settle();
        heartbeats(c, "n1", 2);
        assertEquals(ClusterConfiguration.ofVoters(ids("n1", "n2")), c.p("n1").configuration());
        ProposalResult r = change(c, "n1", withAddresses("n1", "n2"), withAddresses("n3"));
        assertTrue(r.accepted());
        assertEquals(new ClusterConfiguration(ids("n1", "n2"), ids("n3"), Set.of()), c.p("n1").configuration(),
                "a change of learners only is a single step");
    }

    @Test
    void membershipCodecRoundTripsAJointConfigurationWithAddresses() {
        ClusterConfiguration joint = new ClusterConfiguration(ids("n1", "n4", "n5"), ids("n6"), ids("n1", "n2", "n3"));
        Map<NodeId, String> addresses = new TreeMap<>();
        for (NodeId n : joint.members()) {
            addresses.put(n, "host-" + n.value() + ":70" + n.value().substring(1));
        }
        byte[] encoded = MembershipCodec.encode(joint, addresses);
        MembershipCodec.Membership decoded = MembershipCodec.decode(encoded);
        assertEquals(joint, decoded.config());
        assertEquals(addresses, decoded.addresses());
        assertTrue(decoded.config().isJoint());
    }

    @Test
    void membershipCodecRejectsGarbageWithIllegalArgumentException() {
        byte[] valid = MembershipCodec.encode(THREE, Map.of(id("n1"), "a:1", id("n2"), "b:2", id("n3"), "c:3"));
        for (int length = 0; length < valid.length; length++) {
            byte[] truncated = Arrays.copyOf(valid, length);
            assertThrows(IllegalArgumentException.class, () -> MembershipCodec.decode(truncated),
                    "truncated to " + length + " bytes");
        }
        byte[] badVersion = valid.clone();
        badVersion[0] = 7;
        assertThrows(IllegalArgumentException.class, () -> MembershipCodec.decode(badVersion));
        byte[] badCount = valid.clone();
        badCount[1] = (byte) 0xff;                               // voter count becomes negative
        assertThrows(IllegalArgumentException.class, () -> MembershipCodec.decode(badCount));
        // Well formed, but no voters (version 1, then three empty member lists): not a configuration.
        byte[] noVoters = java.nio.ByteBuffer.allocate(13).put((byte) 1).putInt(0).putInt(0).putInt(0).array();
        assertThrows(IllegalArgumentException.class, () -> MembershipCodec.decode(noVoters));
        assertThrows(IllegalArgumentException.class, () -> MembershipCodec.decode(FeatureCluster.bytes("garbage!")));
    }
}
