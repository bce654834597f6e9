package io.flotilla.raft.core.sim;

import io.flotilla.raft.testkit.linearizability.KvInput;
import java.nio.charset.StandardCharsets;

/** Encodes the simulated clients' key-value operations as log commands and queries ("P|key|value"). */
final class KvCommands {

    private KvCommands() {
    }

    static byte[] encode(KvInput input) {
        String text;
        if (input instanceof KvInput.Put p) {
            text = "P|" + p.key() + "|" + p.value();
        } else if (input instanceof KvInput.Append a) {
            text = "A|" + a.key() + "|" + a.value();
        } else if (input instanceof KvInput.Get g) {
            text = "G|" + g.key() + "|";
        } else {
            throw new IllegalArgumentException("unsupported operation " + input);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String[] decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).split("\\|", -1);
    }
}
