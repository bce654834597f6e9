package io.flotilla.raft.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Runs the deterministic simulation over many seeds. Odd seeds simulate 3 members, even seeds 5.
 *
 * <ul>
 *   <li>{@code -Dflotilla.sim.seeds=N}: how many seeds (default set in the root pom, kept small for {@code mvn verify}).</li>
 *   <li>{@code -Dflotilla.sim.seed=S}: replay only seed S, printing every event as it happens.</li>
 * </ul>
 */
class SimulationTest {

    @Test
    void everySeedKeepsRaftSafeLiveAndLinearizable() {
        String replay = System.getProperty("flotilla.sim.seed", "");
        if (!replay.isBlank()) {
            long seed = Long.parseLong(replay.trim());
            Simulation.Summary s = new Simulation(seed, sizeFor(seed), true).run();
            System.out.println("seed " + seed + " passed: " + s);
            return;
        }
        int seeds = Integer.getInteger("flotilla.sim.seeds", 300);
        Simulation.Summary total = new Simulation.Summary(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        for (long seed = 1; seed <= seeds; seed++) {
            total = total.plus(new Simulation(seed, sizeFor(seed), false).run());
        }
        System.out.printf("simulation: %d seeds passed, %d steps checked, %d client operations linearizable;"
                        + " exercised: %d lease reads without a round trip, %d follower reads, %d TimeoutNow,"
                        + " %d pauses, %d configuration entries committed, %d snapshots installed,"
                        + " %d forwarded writes placed%n", seeds,
                total.steps(), total.operations(), total.leaseReadsWithoutRoundTrip(), total.followerReads(),
                total.timeoutNowDelivered(), total.pauses(), total.configurationsCommitted(),
                total.snapshotsInstalled(), total.forwardedWritesPlaced());
        // A run that never exercised a feature proves nothing about it.
        assertTrue(total.leaseReadsWithoutRoundTrip() > 0, "no lease read was served from a lease");
        assertTrue(total.followerReads() > 0, "no read was served by a follower");
        assertTrue(total.forwardedWritesPlaced() > 0, "no write forwarded by a follower was placed by the leader");
        assertTrue(total.timeoutNowDelivered() > 0, "no leadership transfer reached its target");
        assertTrue(total.configurationsCommitted() > 0, "no membership change was committed");
        assertTrue(total.snapshotsInstalled() > 0, "no snapshot was sent to a follower");
        if (Simulation.DURABLE) {
            System.out.printf("durable state machines: %d restarts resumed from the state machine's own index, %d"
                    + " restored the snapshot over an older state machine; %d checkpoints, %d snapshots written for a"
                    + " follower%n", total.resumedFromStateMachine(), total.restoredOverStateMachine(),
                    total.checkpoints(), total.snapshotsMaterialized());
            assertTrue(total.checkpoints() > 0, "no checkpoint was taken");
            assertTrue(total.snapshotsMaterialized() > 0, "no snapshot was written for a follower behind a checkpoint");
            assertTrue(total.resumedFromStateMachine() > 0, "no restart resumed from its state machine");
            assertTrue(total.restoredOverStateMachine() > 0, "no state machine behind its snapshot was restored");
        }
    }

    @Test
    void aSeedReplaysExactly() {
        Simulation.Summary first = new Simulation(42, 5, false).run();
        Simulation.Summary second = new Simulation(42, 5, false).run();
        assertEquals(first, second, "the same seed must produce the same run");
    }

    private static int sizeFor(long seed) {
        return seed % 2 == 1 ? 3 : 5;
    }
}
