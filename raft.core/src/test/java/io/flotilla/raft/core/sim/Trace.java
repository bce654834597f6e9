package io.flotilla.raft.core.sim;

import java.util.ArrayDeque;

/**
 * The last events of a simulation run, printed with the seed when a check fails, so the failure can be read. Lines
 * are formatted only when printed: a passing run pays for little more than a reference per event.
 */
final class Trace {

    private record Line(long time, String label, Object detail) {
        @Override
        public String toString() {
            return String.format("%8d ms  %s%s", time, label, detail == null ? "" : " " + detail);
        }
    }

    private final ArrayDeque<Line> lines = new ArrayDeque<>();
    private final int capacity;
    private final boolean echo;

    Trace(int capacity, boolean echo) {
        this.capacity = capacity;
        this.echo = echo;
    }

    void add(long time, String label) {
        add(time, label, null);
    }

    void add(long time, String label, Object detail) {
        Line line = new Line(time, label, detail);
        if (echo) {
            System.out.println(line);
        }
        if (lines.size() == capacity) {
            lines.removeFirst();
        }
        lines.addLast(line);
    }

    String dump() {
        StringBuilder out = new StringBuilder();
        lines.forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }
}
