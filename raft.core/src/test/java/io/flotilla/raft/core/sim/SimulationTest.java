package io.flotilla.raft.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        int seeds = Integer.getInteger("flotilla.sim.seeds", 200);
        long steps = 0;
        long operations = 0;
        for (long seed = 1; seed <= seeds; seed++) {
            Simulation.Summary s = new Simulation(seed, sizeFor(seed), false).run();
            steps += s.steps();
            operations += s.operations();
        }
        System.out.printf("simulation: %d seeds passed, %d steps checked, %d client operations linearizable%n",
                seeds, steps, operations);
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
