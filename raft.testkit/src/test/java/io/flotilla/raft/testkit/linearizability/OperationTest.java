package io.flotilla.raft.testkit.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OperationTest {

    @Test
    void unknownOperationNeverReturns() {
        Operation<String, String> op = Operation.unknown(3, "in", 7);
        assertTrue(op.isUnknown());
        assertEquals(Long.MAX_VALUE, op.returnTime());
        assertNull(op.output());
        assertFalse(new Operation<>(3, "in", 7, 8, "out").isUnknown());
    }

    @Test
    void rejectsInconsistentOperations() {
        assertThrows(IllegalArgumentException.class, () -> new Operation<>(0, "in", 5, 4, "out"));
        assertThrows(NullPointerException.class, () -> new Operation<String, String>(0, "in", 5, 6, null));
        assertThrows(IllegalArgumentException.class, () -> new Operation<>(0, "in", 5, Long.MAX_VALUE, "out"));
        assertThrows(NullPointerException.class, () -> Operation.unknown(0, null, 5));
    }
}
