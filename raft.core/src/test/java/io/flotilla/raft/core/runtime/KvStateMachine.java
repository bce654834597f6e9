package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.StateMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny key-value state machine for runtime tests. Commands are {@code "key=value"}: the value is stored and the
 * previous value (or {@code ""}) is the result. Queries are a key; the answer is its value (or {@code ""}). Every
 * applied command is recorded as {@code "index:command"}, so tests can compare the order members applied in.
 */
final class KvStateMachine implements StateMachine {

    private final Map<String, String> data = new HashMap<>();
    /** {@code "index:command"} for every command applied, in order; readable from any thread. */
    final List<String> applied = new CopyOnWriteArrayList<>();

    static byte[] put(String key, String value) {
        return (key + "=" + value).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] get(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The commands applied, without their indexes. */
    List<String> commands() {
        return applied.stream().map(s -> s.substring(s.indexOf(':') + 1)).toList();
    }

    @Override
    public byte[] apply(LogEntry entry) {
        String command = text(entry.payload());
        int eq = command.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("not a put: " + command);
        }
        String previous = data.put(command.substring(0, eq), command.substring(eq + 1));
        applied.add(entry.index() + ":" + command);
        return (previous == null ? "" : previous).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] query(byte[] query) {
        return data.getOrDefault(text(query), "").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder();
        data.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        data.clear();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                data.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
    }
}
