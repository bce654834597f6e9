package io.flotilla.raft.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The reconnection pause doubles from the minimum up to the cap (within the jitter) and starts over after a reset. */
class ReconnectBackoffTest {

    private static void assertAbout(long expected, long actual) {
        assertTrue(actual >= Math.round(expected * 0.8) && actual <= Math.round(expected * 1.2),
                "expected about " + expected + " ms, got " + actual);
    }

    @Test
    void pausesDoubleUpToTheCapAndResetToTheMinimum() {
        ReconnectBackoff backoff = new ReconnectBackoff(50, 2_000);
        long[] expected = {50, 100, 200, 400, 800, 1_600};
        for (long e : expected) {
            assertAbout(e, backoff.nextDelayMillis());
        }
        for (int i = 0; i < 10; i++) {
            long capped = backoff.nextDelayMillis();
            assertTrue(capped >= 1_600 && capped <= 2_000, "capped pause was " + capped);
        }
        backoff.reset();
        assertAbout(50, backoff.nextDelayMillis());
    }
}
