package io.flotilla.raft.api;

import java.util.List;

/** A configuration names an engine, log store or transport that no module on the module path provides. */
public final class UnknownPluginException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message that lists what is available.
     *
     * @param kind      what was looked for, e.g. "log store"
     * @param name      the name asked for
     * @param available the names that are provided
     */
    public UnknownPluginException(String kind, String name, List<String> available) {
        super("unknown " + kind + " '" + name + "'; available: "
                + (available.isEmpty() ? "none (no module provides one)" : String.join(", ", available)));
    }
}
