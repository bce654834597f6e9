package io.flotilla.raft.testkit.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class KvModelTest {

    private final KvModel model = new KvModel();

    @Test
    void missingKeyReadsAsEmptyString() {
        assertEquals("", model.initialState());
        assertEquals(StepResult.legal(""), model.step("", KvInput.get("k"), KvOutput.value("")));
        assertFalse(model.step("", KvInput.get("k"), KvOutput.value("x")).isLegal());
    }

    @Test
    void putAndAppendChangeTheValue() {
        assertEquals(StepResult.legal("v"), model.step("old", KvInput.put("k", "v"), KvOutput.ok()));
        assertEquals(StepResult.legal("ab"), model.step("a", KvInput.append("k", "b"), KvOutput.ok()));
        assertEquals(StepResult.legal("b"), model.step("", KvInput.append("k", "b"), KvOutput.ok()));
    }

    @Test
    void casSucceedsExactlyWhenValueMatches() {
        assertEquals(StepResult.legal("n"), model.step("e", KvInput.cas("k", "e", "n"), KvOutput.casResult(true)));
        assertEquals(StepResult.legal("x"), model.step("x", KvInput.cas("k", "e", "n"), KvOutput.casResult(false)));
        assertFalse(model.step("x", KvInput.cas("k", "e", "n"), KvOutput.casResult(true)).isLegal());
        assertFalse(model.step("e", KvInput.cas("k", "e", "n"), KvOutput.casResult(false)).isLegal());
    }

    @Test
    void unknownOutputAppliesTheEffect() {
        assertEquals(StepResult.legal("s"), model.step("s", KvInput.get("k"), null));
        assertEquals(StepResult.legal("v"), model.step("s", KvInput.put("k", "v"), null));
        assertEquals(StepResult.legal("sv"), model.step("s", KvInput.append("k", "v"), null));
        assertEquals(StepResult.legal("n"), model.step("e", KvInput.cas("k", "e", "n"), null));
        assertEquals(StepResult.legal("s"), model.step("s", KvInput.cas("k", "e", "n"), null));
    }

    @Test
    void outputOfWrongKindIsIllegal() {
        assertFalse(model.step("", KvInput.get("k"), KvOutput.ok()).isLegal());
        assertFalse(model.step("", KvInput.put("k", "v"), KvOutput.value("v")).isLegal());
        assertFalse(model.step("", KvInput.cas("k", "", "v"), KvOutput.ok()).isLegal());
    }

    @Test
    void partitionsByKeyAndDropsUnknownReads() {
        Operation<KvInput, KvOutput> a1 = new Operation<>(0, KvInput.put("a", "1"), 0, 1, KvOutput.ok());
        Operation<KvInput, KvOutput> b1 = new Operation<>(0, KvInput.get("b"), 2, 3, KvOutput.value(""));
        Operation<KvInput, KvOutput> a2 = Operation.unknown(1, KvInput.append("a", "2"), 4);
        Operation<KvInput, KvOutput> b2 = Operation.unknown(1, KvInput.get("b"), 5);
        assertEquals(List.of(List.of(a1, a2), List.of(b1)), model.partition(List.of(a1, b1, a2, b2)));
    }

    @Test
    void rendersInputsAndOutputsReadably() {
        assertEquals("Cas(\"k\", \"a\" -> \"b\")", KvInput.cas("k", "a", "b").toString());
        assertEquals("\"line\\n\"", KvOutput.value("line\n").toString());
        assertEquals("ok", KvOutput.ok().toString());
        assertThrows(NullPointerException.class, () -> KvInput.put("k", null));
    }
}
