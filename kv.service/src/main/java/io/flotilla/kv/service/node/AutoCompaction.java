package io.flotilla.kv.service.node;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * etcd's auto-compaction (server/etcdserver/api/v3compactor), decided on the leader and carried out as an ordinary
 * Compact through Raft. Pure: {@link #sample} is given the time, the revision and whether the member leads, so tests
 * drive it with a fake clock. The member calls it every {@link #sampleEveryMillis()}, from the moment it starts, on
 * every member: like etcd's compactor, followers keep sampling (etcd pauses them) and only the leader compacts, so a
 * new leader can compact at once with its own samples.
 *
 * <ul>
 *   <li>{@code periodic} with retention P: the revision is sampled every {@code min(P, 1h) / 10}, and the last
 *       {@code P / (min(P, 1h) / 10) + 1} samples are kept; once P has passed since the member started, the leader
 *       compacts to the oldest sample — the revision of about P ago — and then again every {@code min(P, 1h)}.
 *       With {@code 1h}: first after an hour, to the revision of an hour ago, then hourly; with {@code 10m}: every
 *       10 minutes; with {@code 24h}: first after a day, then hourly, keeping a day.</li>
 *   <li>{@code revision} with retention N: every 5 minutes the leader compacts to {@code current - N}, if that is
 *       above 0 and not the revision it compacted to last time.</li>
 * </ul>
 * A compaction to a revision at or below the store's compaction revision would fail with "compacted", which etcd
 * counts as done: here it is not proposed at all, and counted as done.
 */
public final class AutoCompaction {

    /** Mode: keep a span of time. */
    public static final String PERIODIC = "periodic";
    /** Mode: keep a number of revisions. */
    public static final String REVISION = "revision";
    /** How often the revision mode checks, etcd's {@code revInterval}. */
    static final long REVISION_CHECK_MILLIS = Duration.ofMinutes(5).toMillis();
    /** The longest compaction interval of the periodic mode, one hour. */
    static final long HOUR_MILLIS = Duration.ofHours(1).toMillis();
    /** etcd's {@code retryDivisor}: samples per compaction interval. */
    static final int SAMPLES_PER_INTERVAL = 10;

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private final boolean periodic;
    private final long retention;
    private final long compactEveryMillis;
    private final long sampleEveryMillis;
    /** How many samples the periodic mode keeps; the oldest is the revision of one retention period ago. */
    private final int keep;
    private final ArrayDeque<Long> samples = new ArrayDeque<>();
    private boolean started;
    private long lastTickMillis;
    /** Periodic: when the last compaction was proposed (or found unnecessary); the next waits {@link #waitMillis}. */
    private long lastSuccessMillis;
    private long previousSuccessMillis;
    /** Periodic: the retention before the first compaction, then the compaction interval (etcd's baseInterval). */
    private long waitMillis;
    /** Revision mode: the revision compacted to last time (etcd's {@code prev}). */
    private long lastTarget;
    private long previousTarget;

    private AutoCompaction(boolean periodic, long retention) {
        this.periodic = periodic;
        this.retention = retention;
        this.compactEveryMillis = periodic ? Math.min(retention, HOUR_MILLIS) : REVISION_CHECK_MILLIS;
        this.sampleEveryMillis = periodic ? Math.max(1, compactEveryMillis / SAMPLES_PER_INTERVAL)
                : REVISION_CHECK_MILLIS;
        this.keep = periodic ? (int) Math.min(Integer.MAX_VALUE - 1, retention / sampleEveryMillis) + 1 : 0;
        this.waitMillis = retention;
    }

    /**
     * Creates the policy for etcd's settings, or returns null when they turn auto-compaction off.
     *
     * @param mode      {@link #PERIODIC} or {@link #REVISION}
     * @param retention the retention as etcd takes it
     * @return the policy, or null for retention 0
     * @throws IllegalArgumentException for an unknown mode or a malformed retention
     */
    public static AutoCompaction of(String mode, String retention) {
        long value = validate(mode, retention);
        return value == 0 ? null : new AutoCompaction(PERIODIC.equals(mode), value);
    }

    /**
     * Checks the mode.
     *
     * @param mode the mode
     * @throws IllegalArgumentException if it is neither {@link #PERIODIC} nor {@link #REVISION}
     */
    public static void validateMode(String mode) {
        if (!PERIODIC.equals(mode) && !REVISION.equals(mode)) {
            throw new IllegalArgumentException("unknown auto-compaction mode '" + mode + "'; expected " + PERIODIC
                    + " or " + REVISION);
        }
    }

    /**
     * Checks etcd's settings.
     *
     * @param mode      {@link #PERIODIC} or {@link #REVISION}
     * @param retention for periodic a duration as etcd (Go) writes them ({@code 1h}, {@code 30m}, {@code 90s},
     *                  {@code 1h30m}, {@code 1.5h}) or a whole number of hours, for revision a whole number
     * @return the retention in milliseconds (periodic) or revisions (revision); 0 for off
     * @throws IllegalArgumentException naming what is wrong
     */
    public static long validate(String mode, String retention) {
        validateMode(mode);
        String text = retention.trim().toLowerCase(Locale.ROOT);
        if (REVISION.equals(mode)) {
            long n;
            try {
                n = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("with autoCompactionMode 'revision' it must be a number of revisions,"
                        + " got '" + retention + "'", e);
            }
            if (n < 0) {
                throw new IllegalArgumentException("must not be negative, got '" + retention + "'");
            }
            return n;
        }
        if (text.matches("-?\\d+")) {
            long hours;
            try {
                hours = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cannot read the number of hours '" + retention + "'", e);
            }
            if (hours < 0) {
                throw new IllegalArgumentException("must not be negative, got '" + retention + "'");
            }
            try {
                return Math.multiplyExact(hours, HOUR_MILLIS); // etcd: a bare number is hours
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("is too long, got '" + retention + "'", e);
            }
        }
        if (text.startsWith("-")) {
            throw new IllegalArgumentException("must not be negative, got '" + retention + "'");
        }
        double millis = parseDuration(text);
        if (Double.isNaN(millis)) {
            throw new IllegalArgumentException("with autoCompactionMode 'periodic' it must be a duration such as 1h,"
                    + " 30m or 90s, or a whole number of hours, got '" + retention + "'");
        }
        if (millis >= Long.MAX_VALUE / 2.0) {
            throw new IllegalArgumentException("is too long, got '" + retention + "'");
        }
        long rounded = (long) millis;
        if (rounded == 0 && millis > 0) {
            throw new IllegalArgumentException("must be at least 1ms, got '" + retention + "'");
        }
        return rounded;
    }

    /**
     * Parses Go's duration syntax ({@code 1h30m}, {@code 1.5h}, {@code 500ms}), which etcd's duration flags use.
     *
     * @param text the duration
     * @return the duration in milliseconds, NaN if malformed
     */
    public static double parseDuration(String text) {
        if (text.isEmpty()) {
            return Double.NaN;
        }
        Matcher m = DURATION_PART.matcher(text);
        double total = 0;
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                return Double.NaN;
            }
            double n = Double.parseDouble(m.group(1));
            total += n * switch (m.group(2)) {
                case "ns" -> 1e-6;
                case "us", "µs" -> 1e-3;
                case "ms" -> 1;
                case "s" -> 1e3;
                case "m" -> 6e4;
                default -> 3.6e6;
            };
            at = m.end();
        }
        return total;
    }

    /** {@return how often {@link #sample} should be called, in milliseconds} */
    public long sampleEveryMillis() {
        return sampleEveryMillis;
    }

    /** {@return how often the leader compacts once it has started, in milliseconds} */
    public long compactEveryMillis() {
        return compactEveryMillis;
    }

    /**
     * One tick of etcd's compactor loop: says whether to compact now (only if {@code leader}), then records the
     * revision. Calls closer together than half of {@link #sampleEveryMillis()} are ignored, so a caller may call it
     * more often than needed.
     *
     * @param nowMillis       a monotonic clock
     * @param revision        the store's current revision
     * @param compactRevision the store's compaction revision
     * @param leader          whether this member leads (only the leader compacts)
     * @return the revision to compact to, if it is time
     */
    public OptionalLong sample(long nowMillis, long revision, long compactRevision, boolean leader) {
        if (!started) {
            started = true;
            lastTickMillis = nowMillis;
            lastSuccessMillis = nowMillis;
            record(revision);
            return OptionalLong.empty();
        }
        if (nowMillis - lastTickMillis < sampleEveryMillis / 2) {
            return OptionalLong.empty();
        }
        lastTickMillis = nowMillis;
        OptionalLong target = OptionalLong.empty();
        if (leader) {
            target = periodic ? periodicTarget(nowMillis, compactRevision) : revisionTarget(revision, compactRevision);
        }
        record(revision);
        return target;
    }

    private void record(long revision) {
        if (!periodic) {
            return;
        }
        samples.addLast(revision);
        if (samples.size() > keep) {
            samples.removeFirst(); // the first sample is always the revision of one retention period ago
        }
    }

    private OptionalLong periodicTarget(long nowMillis, long compactRevision) {
        if (nowMillis - lastSuccessMillis < waitMillis) {
            return OptionalLong.empty();
        }
        waitMillis = compactEveryMillis; // after the first retention period, compact every interval
        long target = samples.peekFirst();
        previousSuccessMillis = lastSuccessMillis;
        lastSuccessMillis = nowMillis;
        return target <= compactRevision ? OptionalLong.empty() : OptionalLong.of(target);
    }

    private OptionalLong revisionTarget(long revision, long compactRevision) {
        long target = revision - retention;
        if (target <= 0 || target == lastTarget) {
            return OptionalLong.empty();
        }
        previousTarget = lastTarget;
        lastTarget = target;
        return target <= compactRevision ? OptionalLong.empty() : OptionalLong.of(target);
    }

    /**
     * Tells the policy that the compaction it asked for last failed (other than for "compacted"), so it is tried
     * again at the next sample, as etcd retries after a failed compaction.
     */
    public void failed() {
        if (periodic) {
            lastSuccessMillis = previousSuccessMillis;
        } else {
            lastTarget = previousTarget;
        }
    }
}
