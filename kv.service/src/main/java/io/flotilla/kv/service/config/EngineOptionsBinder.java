package io.flotilla.kv.service.config;

import io.flotilla.raft.api.RaftOptions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies engine options given by name (from the {@code engine} section or {@code --engine-option name=value}) to a
 * {@link RaftOptions.Builder}. The names are the {@link RaftOptions} accessors; the log store and transport are
 * chosen in their own sections.
 */
final class EngineOptionsBinder {

    /** Every option name understood, for messages. */
    static final Set<String> NAMES = new TreeSet<>(List.of(
            "tickMillis", "electionTimeoutMinMillis", "electionTimeoutMaxMillis", "heartbeatIntervalMillis",
            "maxEntriesPerMessage", "maxBytesPerMessage", "maxInflightAppends", "maxPendingRequests",
            "requestTimeoutMillis", "preVote", "checkQuorum", "clockDriftBoundPercent", "snapshotThresholdEntries",
            "snapshotKeepTailEntries", "snapshotSizeRatio"));

    /**
     * The KV service's log compaction defaults, etcd's: a checkpoint (the backend synced, the log compacted behind it)
     * every 100,000 entries ({@code --snapshot-count}), keeping 5,000 entries behind it for followers that lag
     * ({@code SnapshotCatchUpEntries}); a follower further behind is sent a snapshot of the backend.
     */
    static final long SNAPSHOT_THRESHOLD_ENTRIES = 100_000;
    static final long SNAPSHOT_KEEP_TAIL_ENTRIES = 5_000;

    private EngineOptionsBinder() {
    }

    /**
     * Applies the options; problems are added to {@code problems} as {@code engine.<name>: ...}.
     *
     * @param options  the options by name
     * @param builder  the builder to set them on
     * @param problems where problems are collected
     */
    static void apply(Map<String, String> options, RaftOptions.Builder builder, List<String> problems) {
        RaftOptions defaults = RaftOptions.defaults();
        long electionMin = defaults.electionTimeoutMinMillis();
        long electionMax = defaults.electionTimeoutMaxMillis();
        long snapshotThreshold = SNAPSHOT_THRESHOLD_ENTRIES;
        long snapshotKeepTail = SNAPSHOT_KEEP_TAIL_ENTRIES;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String name = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue().trim();
            String field = "engine." + name;
            try {
                switch (name) {
                    case "tickMillis" -> builder.tickMillis(number(value));
                    case "electionTimeoutMinMillis" -> electionMin = number(value);
                    case "electionTimeoutMaxMillis" -> electionMax = number(value);
                    case "heartbeatIntervalMillis" -> builder.heartbeatIntervalMillis(number(value));
                    case "maxEntriesPerMessage" -> builder.maxEntriesPerMessage(intNumber(value));
                    case "maxBytesPerMessage" -> builder.maxBytesPerMessage(number(value));
                    case "maxInflightAppends" -> builder.maxInflightAppends(intNumber(value));
                    case "maxPendingRequests" -> builder.maxPendingRequests(intNumber(value));
                    case "requestTimeoutMillis" -> builder.requestTimeoutMillis(number(value));
                    case "preVote" -> builder.preVote(bool(value));
                    case "checkQuorum" -> builder.checkQuorum(bool(value));
                    case "clockDriftBoundPercent" -> builder.clockDriftBoundPercent(intNumber(value));
                    case "snapshotThresholdEntries" -> snapshotThreshold = number(value);
                    case "snapshotKeepTailEntries" -> snapshotKeepTail = number(value);
                    case "snapshotSizeRatio" -> builder.snapshotSizeRatio(intNumber(value));
                    default -> problems.add(field + ": unknown engine option; known: " + NAMES);
                }
            } catch (IllegalArgumentException bad) {
                problems.add(field + ": " + bad.getMessage());
            }
        }
        // Both pairs are set together in RaftOptions, so each is collected first and applied once.
        builder.electionTimeoutMillis(electionMin, electionMax);
        builder.snapshotEntries(snapshotThreshold, snapshotKeepTail);
    }

    private static long number(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a whole number");
        }
    }

    private static int intNumber(String value) {
        long n = number(value);
        if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("'" + value + "' is too large");
        }
        return (int) n;
    }

    private static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
        };
    }
}
