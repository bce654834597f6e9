package io.flotilla.raft.core.sim;

import java.nio.charset.StandardCharsets;
import java.util.TreeMap;

/**
 * The replicated key-value map each simulated member applies committed commands to. Each apply, skip and restore
 * changes the map and the applied index together, so with {@link Simulation#DURABLE} it also stands for a state
 * machine kept on disk, which survives crashes.
 */
final class SimKvStateMachine {

    private final TreeMap<String, String> data = new TreeMap<>();
    private long appliedIndex;

    long appliedIndex() {
        return appliedIndex;
    }

    void apply(long index, byte[] command) {
        String[] parts = KvCommands.decode(command);
        switch (parts[0]) {
            case "P" -> data.put(parts[1], parts[2]);
            case "A" -> data.merge(parts[1], parts[2], String::concat);
            default -> throw new IllegalArgumentException("bad command " + new String(command, StandardCharsets.UTF_8));
        }
        appliedIndex = index;
    }

    void skip(long index) {
        appliedIndex = index;
    }

    /** A copy of the whole state (a durable state machine's older on-disk state, see {@link Simulation#DURABLE}). */
    SimKvStateMachine copy() {
        SimKvStateMachine copy = new SimKvStateMachine();
        copy.data.putAll(data);
        copy.appliedIndex = appliedIndex;
        return copy;
    }

    String get(String key) {
        return data.getOrDefault(key, "");
    }

    /** Serializes the map: "key\u0000value\u0000" pairs. */
    byte[] snapshot() {
        StringBuilder out = new StringBuilder();
        data.forEach((k, v) -> out.append(k).append('\u0000').append(v).append('\u0000'));
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    void restore(byte[] snapshot, long index) {
        data.clear();
        String[] parts = new String(snapshot, StandardCharsets.UTF_8).split("\u0000", -1);
        for (int i = 0; i + 1 < parts.length; i += 2) {
            data.put(parts[i], parts[i + 1]);
        }
        appliedIndex = index;
    }
}
