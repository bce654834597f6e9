package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.NodeId;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a {@link LogStoreProvider} is given to open a store.
 *
 * @param node      the member the store belongs to
 * @param directory a directory the store owns (created if missing); stores that keep nothing on disk ignore it
 * @param options   store-specific settings by name, as strings (from a configuration file); every store understands
 *                  {@code sync} ({@code true} by default; {@code false} is unsafe)
 */
public record LogStoreContext(NodeId node, Path directory, Map<String, String> options) {

    /**
     * Freezes the options.
     *
     * @param node see the record component
     * @param directory see the record component
     * @param options see the record component
     */
    public LogStoreContext {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(directory, "directory");
        options = Map.copyOf(options);
    }

    /**
     * Fails if an option is not among the known ones, so that a misspelt option is not silently ignored.
     *
     * @param store the store's name, for the message
     * @param known the option names the store understands
     * @throws IllegalArgumentException naming the unknown options and the known ones
     */
    public void requireKnownOptions(String store, Set<String> known) {
        Set<String> unknown = new TreeSet<>(options.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + unknown + " for log store '" + store
                    + "'; known options: " + new TreeSet<>(known));
        }
    }

    /**
     * Returns a boolean option.
     *
     * @param name         the option
     * @param defaultValue used when the option is absent
     * @return the value
     * @throws IllegalArgumentException if the value is not {@code true} or {@code false}
     */
    public boolean booleanOption(String name, boolean defaultValue) {
        String raw = options.get(name);
        if (raw == null) {
            return defaultValue;
        }
        return switch (raw.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(
                    "option '" + name + "' must be true or false, got '" + raw + "'");
        };
    }

    /**
     * Returns a whole-number option, which may carry a size suffix {@code k}, {@code m} or {@code g} (powers of 1024).
     *
     * @param name         the option
     * @param defaultValue used when the option is absent
     * @param min          the smallest accepted value
     * @return the value
     * @throws IllegalArgumentException if the value is not a number or is below {@code min}
     */
    public long longOption(String name, long defaultValue, long min) {
        return longOption(name, defaultValue, min, Long.MAX_VALUE);
    }

    /**
     * Returns a whole-number option within bounds, which may carry a size suffix {@code k}, {@code m} or {@code g}.
     *
     * @param name         the option
     * @param defaultValue used when the option is absent
     * @param min          the smallest accepted value
     * @param max          the largest accepted value
     * @return the value
     * @throws IllegalArgumentException if the value is not a number or is outside {@code [min, max]}
     */
    public long longOption(String name, long defaultValue, long min, long max) {
        String raw = options.get(name);
        if (raw == null) {
            return defaultValue;
        }
        String text = raw.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        if (text.endsWith("k") || text.endsWith("m") || text.endsWith("g")) {
            unit = switch (text.charAt(text.length() - 1)) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                default -> 1L << 30;
            };
            text = text.substring(0, text.length() - 1);
        }
        long value;
        try {
            value = Math.multiplyExact(Long.parseLong(text), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("option '" + name + "' must be a whole number (optionally with k, m or"
                    + " g), got '" + raw + "'", e);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("option '" + name + "' must be " + (max == Long.MAX_VALUE
                    ? "at least " + min : "from " + min + " to " + max) + ", got '" + raw + "'");
        }
        return value;
    }
}
