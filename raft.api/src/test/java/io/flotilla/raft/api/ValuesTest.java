package io.flotilla.raft.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The API's values reject what would corrupt a cluster and compare by content. */
class ValuesTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    @Test
    void nodeIdsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> NodeId.of(""));
        assertThrows(IllegalArgumentException.class, () -> NodeId.of("has space"));
        assertThrows(IllegalArgumentException.class, () -> NodeId.of("x".repeat(65)));
        assertEquals("node-1.a_b", NodeId.of("node-1.a_b").toString());
    }

    @Test
    void logEntriesCompareByPayloadContent() {
        assertEquals(LogEntry.command(1, 1, new byte[] {1, 2}), LogEntry.command(1, 1, new byte[] {1, 2}));
        assertNotEquals(LogEntry.command(1, 1, new byte[] {1, 2}), LogEntry.command(1, 1, new byte[] {1, 3}));
        assertThrows(IllegalArgumentException.class, () -> LogEntry.command(0, 1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> LogEntry.command(1, 0, new byte[0]));
    }

    @Test
    void jointConfigurationsKnowTheirVoters() {
        ClusterConfiguration joint = new ClusterConfiguration(Set.of(N2, N3), Set.of(), Set.of(N1, N2));
        assertTrue(joint.isJoint());
        assertTrue(joint.isVoter(N1), "an outgoing voter still votes while the change is under way");
        assertEquals(Set.of(N1, N2, N3), joint.members());
        assertFalse(ClusterConfiguration.ofVoters(Set.of(N1)).isJoint());
    }

    @Test
    void aMemberCannotBeBothVoterAndLearner() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClusterConfiguration(Set.of(N1), Set.of(N1), Set.of()));
        assertTrue(e.getMessage().contains("n1 cannot be both a voter and a learner"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClusterConfiguration.ofVoters(Set.of()));
    }

    @Test
    void aNodeMustBeInItsInitialCluster() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RaftNodeConfig(
                N3, Map.of(N1, "a:1", N2, "b:2"), Path.of("x"), RaftOptions.defaults(), Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("member n3 is not in the initial cluster"), e.getMessage());
    }

    @Test
    void notLeaderCarriesTheLeaderAndIsRetryable() {
        NotLeaderException e = new NotLeaderException(N1, N2);
        assertEquals(N2, e.leader().orElseThrow());
        assertTrue(e.isRetryable());
        assertTrue(e.getMessage().contains("the leader is n2"));
        assertFalse(new NodeClosedException("closed").isRetryable());
    }
}
