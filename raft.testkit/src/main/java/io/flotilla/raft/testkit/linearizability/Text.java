package io.flotilla.raft.testkit.linearizability;

/** Formatting helpers shared by the explanations and the key-value types. */
final class Text {

    private Text() {
    }

    /** Returns {@code s} in double quotes, with quotes, backslashes and control characters escaped. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Describes a model state: strings quoted (so the empty string is visible), anything else by toString. */
    static String state(Object state) {
        return state instanceof String s ? quote(s) : String.valueOf(state);
    }
}
