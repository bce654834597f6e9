package io.flotilla.raft.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Bad options fail at once, naming every problem, so an operator fixes them in one go. */
class RaftOptionsTest {

    @Test
    void defaultsAreValidAndConvertToTicks() {
        RaftOptions o = RaftOptions.defaults();
        assertEquals(30, o.electionTimeoutMinTicks());
        assertEquals(60, o.electionTimeoutMaxTicks());
        assertEquals(5, o.heartbeatTicks());
        // 30 ticks less 10 % drift less one tick of clock granularity.
        assertEquals(26, o.leaseTicks());
    }

    @Test
    void everyProblemIsReportedInOneMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RaftOptions.builder()
                .electionTimeoutMillis(300, 200).heartbeatIntervalMillis(200).maxInflightAppends(0).logStore(" ")
                .clockDriftBoundPercent(80).build());
        String m = e.getMessage();
        assertTrue(m.contains("electionTimeoutMaxMillis (200) must be greater than electionTimeoutMinMillis (300)"), m);
        assertTrue(m.contains("at least 3 x heartbeatIntervalMillis (200)"), m);
        assertTrue(m.contains("maxInflightAppends must be at least 1, got 0"), m);
        assertTrue(m.contains("logStore must name a log store provider"), m);
        assertTrue(m.contains("clockDriftBoundPercent must be from 0 to 50, got 80"), m);
    }

    @Test
    void aTickLongerThanTheHeartbeatIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RaftOptions.builder().tickMillis(100).build());
        assertTrue(e.getMessage().contains("tickMillis (100) must not exceed heartbeatIntervalMillis (50)"),
                e.getMessage());
    }

    @Test
    void toBuilderKeepsEveryValue() {
        RaftOptions o = RaftOptions.builder().tickMillis(5).electionTimeoutMillis(100, 250).heartbeatIntervalMillis(20)
                .maxEntriesPerMessage(7).maxBytesPerMessage(99).maxInflightAppends(3).maxPendingRequests(11)
                .requestTimeoutMillis(123).logStore("memory").transport("x").preVote(false).checkQuorum(false)
                .clockDriftBoundPercent(5).snapshotEntries(50, 5).build();
        assertEquals(o, o.toBuilder().build());
        assertEquals(o.toString(), o.toBuilder().build().toString());
    }
}
