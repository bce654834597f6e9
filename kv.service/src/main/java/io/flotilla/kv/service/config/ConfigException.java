package io.flotilla.kv.service.config;

import java.util.List;

/**
 * The configuration is invalid. The message lists every problem found, each naming the field (as a path such as
 * {@code cluster.n2.peer}) and what is wrong with it.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /**
     * Creates the exception.
     *
     * @param problems one line per problem, each starting with the field's path
     */
    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Returns the problems, one per field. */
    public List<String> problems() {
        return problems;
    }
}
