package io.flotilla.kv.backend;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a {@link BackendProvider} is given to open a backend.
 *
 * @param directory a directory the backend owns (created if missing); backends that keep nothing on disk ignore it
 * @param tables    the names of the tables the caller will use
 * @param options   backend-specific settings by name, as strings (from a configuration file)
 */
public record BackendContext(Path directory, List<String> tables, Map<String, String> options) {

    /**
     * Freezes the lists.
     *
     * @param directory see the record component
     * @param tables    see the record component
     * @param options   see the record component
     */
    public BackendContext {
        Objects.requireNonNull(directory, "directory");
        tables = List.copyOf(tables);
        options = Map.copyOf(options);
    }

    /**
     * Fails if an option is not among the known ones, so that a misspelt option is not silently ignored.
     *
     * @param backend the backend's name, for the message
     * @param known   the option names the backend understands
     * @throws IllegalArgumentException naming the unknown options and the known ones
     */
    public void requireKnownOptions(String backend, Set<String> known) {
        Set<String> unknown = new TreeSet<>(options.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + unknown + " for backend '" + backend
                    + "'; known options: " + new TreeSet<>(known));
        }
    }

    /**
     * Returns a whole-number option within bounds, which may carry a size suffix {@code k}, {@code m} or {@code g}
     * (powers of 1024).
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
        long value;
        try {
            value = parseBytes(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option '" + name + "' must be a whole number (optionally with k, m or"
                    + " g), got '" + raw + "'", e);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("option '" + name + "' must be from " + min + " to " + max
                    + ", got '" + raw + "'");
        }
        return value;
    }

    /**
     * Parses a size in bytes with an optional {@code k}, {@code m} or {@code g} suffix (powers of 1024, any case), as
     * the backends' options and the server's quota are written.
     *
     * @param text the size, e.g. {@code 64m}
     * @return the bytes
     * @throws IllegalArgumentException if it is not a whole number, or too large
     */
    public static long parseBytes(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g")) {
            unit = switch (t.charAt(t.length() - 1)) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                default -> 1L << 30;
            };
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("must be a whole number of bytes (optionally with k, m or g), got '"
                    + text + "'", e);
        }
    }
}
