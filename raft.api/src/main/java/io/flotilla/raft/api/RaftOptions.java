package io.flotilla.raft.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Tuning of one Raft node. Immutable; build with {@link #builder()}, which checks every value and reports all problems
 * at once. Times are in milliseconds; the engine counts them in ticks of {@link #tickMillis()}.
 *
 * <p>Defaults suit a LAN or a single machine: ticks of 10 ms, heartbeats every 50 ms, election timeouts drawn from
 * 300–600 ms, so a failed leader is normally replaced well within a second.
 */
public final class RaftOptions {

    private final long tickMillis;
    private final long electionTimeoutMinMillis;
    private final long electionTimeoutMaxMillis;
    private final long heartbeatIntervalMillis;
    private final int maxEntriesPerMessage;
    private final long maxBytesPerMessage;
    private final int maxInflightAppends;
    private final int maxPendingRequests;
    private final long requestTimeoutMillis;
    private final String logStore;
    private final String transport;
    private final boolean preVote;
    private final boolean checkQuorum;
    private final int clockDriftBoundPercent;
    private final long snapshotThresholdEntries;
    private final long snapshotKeepTailEntries;
    private final int snapshotSizeRatio;

    private RaftOptions(Builder b) {
        this.tickMillis = b.tickMillis;
        this.electionTimeoutMinMillis = b.electionTimeoutMinMillis;
        this.electionTimeoutMaxMillis = b.electionTimeoutMaxMillis;
        this.heartbeatIntervalMillis = b.heartbeatIntervalMillis;
        this.maxEntriesPerMessage = b.maxEntriesPerMessage;
        this.maxBytesPerMessage = b.maxBytesPerMessage;
        this.maxInflightAppends = b.maxInflightAppends;
        this.maxPendingRequests = b.maxPendingRequests;
        this.requestTimeoutMillis = b.requestTimeoutMillis;
        this.logStore = b.logStore;
        this.transport = b.transport;
        this.preVote = b.preVote;
        this.checkQuorum = b.checkQuorum;
        this.clockDriftBoundPercent = b.clockDriftBoundPercent;
        this.snapshotThresholdEntries = b.snapshotThresholdEntries;
        this.snapshotKeepTailEntries = b.snapshotKeepTailEntries;
        this.snapshotSizeRatio = b.snapshotSizeRatio;
    }

    /** {@return a builder holding the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the defaults} */
    public static RaftOptions defaults() {
        return builder().build();
    }

    /** {@return a builder that starts from these options} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@return the length of one engine tick, the unit of all protocol timers (default 10)} */
    public long tickMillis() {
        return tickMillis;
    }

    /** {@return the shortest election timeout; each timeout is drawn at random from the range (default 300, Raft §5.2)} */
    public long electionTimeoutMinMillis() {
        return electionTimeoutMinMillis;
    }

    /** {@return the longest election timeout (default 600)} */
    public long electionTimeoutMaxMillis() {
        return electionTimeoutMaxMillis;
    }

    /** {@return how often a leader sends heartbeats to an idle follower (default 50)} */
    public long heartbeatIntervalMillis() {
        return heartbeatIntervalMillis;
    }

    /** {@return the most entries one AppendEntries message carries (default 512)} */
    public int maxEntriesPerMessage() {
        return maxEntriesPerMessage;
    }

    /** {@return the most payload bytes one AppendEntries message carries; a larger single entry is sent alone (default 1 MiB)} */
    public long maxBytesPerMessage() {
        return maxBytesPerMessage;
    }

    /** {@return how many AppendEntries a leader keeps unacknowledged per follower: the pipelining window (default 64)} */
    public int maxInflightAppends() {
        return maxInflightAppends;
    }

    /** {@return how many requests may wait in the node's queue before new ones fail with {@link OverloadedException} (default 10000)} */
    public int maxPendingRequests() {
        return maxPendingRequests;
    }

    /** {@return how long a proposal or read may take before it fails with {@link RaftTimeoutException} (default 5000)} */
    public long requestTimeoutMillis() {
        return requestTimeoutMillis;
    }

    /** {@return the name of the log store provider to use (default {@code "rocksdb"})} */
    public String logStore() {
        return logStore;
    }

    /** {@return the name of the transport provider to use (default {@code "grpc"})} */
    public String transport() {
        return transport;
    }

    /**
     * {@return whether a member asks for pre-votes before raising its term (thesis §9.6), so that a member rejoining
     * after a partition cannot depose a healthy leader (default true)}
     */
    public boolean preVote() {
        return preVote;
    }

    /**
     * {@return whether a leader steps down when it has not heard from a majority for an election timeout (thesis §6.2),
     * and followers ignore vote requests while they hear from a leader (§4.2.3). Required by lease reads (default true)}
     */
    public boolean checkQuorum() {
        return checkQuorum;
    }

    /**
     * {@return the largest difference in clock <em>rate</em> between members that lease reads assume, in percent
     * (default 10). A leader's lease lasts the shortest election timeout minus this share of it, counted from when the
     * confirming heartbeats were sent; if clocks drift more than this, lease reads may be stale}
     */
    public int clockDriftBoundPercent() {
        return clockDriftBoundPercent;
    }

    /**
     * {@return how many entries may be applied since the last snapshot before the next one is taken (default 10000);
     * the log is then compacted behind it}
     */
    public long snapshotThresholdEntries() {
        return snapshotThresholdEntries;
    }

    /**
     * {@return how many entries before a snapshot are kept in the log when compacting (default 1000), so followers
     * that are only a little behind catch up from the log instead of needing the whole snapshot}
     */
    public long snapshotKeepTailEntries() {
        return snapshotKeepTailEntries;
    }

    /**
     * {@return how many times the size of the last snapshot the entries applied since it must add up to (in payload
     * bytes) before the next snapshot is taken (default 4; 0 leaves it to {@link #snapshotThresholdEntries()} alone).
     * Raft thesis §5.1.1: snapshotting when the log has grown by a constant factor of the state keeps the time spent
     * writing snapshots a bounded share of the time spent writing the log, however large the state becomes}
     */
    public int snapshotSizeRatio() {
        return snapshotSizeRatio;
    }

    /**
     * {@return the lease length in ticks: the shortest election timeout shortened by the clock-drift bound, and by one
     * more tick because the engine reads its clock only once per tick}
     */
    public int leaseTicks() {
        return (int) Math.max(0, (long) electionTimeoutMinTicks() * (100 - clockDriftBoundPercent) / 100 - 1);
    }

    /** {@return the election timeout range in ticks, lower bound (rounded up so it is never shorter than asked)} */
    public int electionTimeoutMinTicks() {
        return ticks(electionTimeoutMinMillis);
    }

    /** {@return the election timeout range in ticks, upper bound} */
    public int electionTimeoutMaxTicks() {
        return ticks(electionTimeoutMaxMillis);
    }

    /** {@return the heartbeat interval in ticks} */
    public int heartbeatTicks() {
        return ticks(heartbeatIntervalMillis);
    }

    private int ticks(long millis) {
        return (int) Math.max(1, (millis + tickMillis - 1) / tickMillis);
    }

    /** Lists every value, for logs. */
    @Override
    public String toString() {
        return "RaftOptions{tick=" + tickMillis + "ms, election=" + electionTimeoutMinMillis + "-"
                + electionTimeoutMaxMillis + "ms, heartbeat=" + heartbeatIntervalMillis + "ms, maxEntries="
                + maxEntriesPerMessage + ", maxBytes=" + maxBytesPerMessage + ", inflight=" + maxInflightAppends
                + ", pending=" + maxPendingRequests + ", timeout=" + requestTimeoutMillis + "ms, logStore="
                + logStore + ", transport=" + transport + ", preVote=" + preVote + ", checkQuorum=" + checkQuorum
                + ", clockDrift=" + clockDriftBoundPercent + "%, snapshotThreshold=" + snapshotThresholdEntries
                + ", snapshotKeepTail=" + snapshotKeepTailEntries + ", snapshotSizeRatio=" + snapshotSizeRatio + "}";
    }

    /** Collects option values; {@link #build()} validates them together. */
    public static final class Builder {
        private long tickMillis = 10;
        private long electionTimeoutMinMillis = 300;
        private long electionTimeoutMaxMillis = 600;
        private long heartbeatIntervalMillis = 50;
        private int maxEntriesPerMessage = 512;
        private long maxBytesPerMessage = 1024 * 1024;
        private int maxInflightAppends = 64;
        private int maxPendingRequests = 10_000;
        private long requestTimeoutMillis = 5_000;
        private String logStore = "rocksdb";
        private String transport = "grpc";
        private boolean preVote = true;
        private boolean checkQuorum = true;
        private int clockDriftBoundPercent = 10;
        private long snapshotThresholdEntries = 10_000;
        private long snapshotKeepTailEntries = 1_000;
        private int snapshotSizeRatio = 4;

        private Builder() {
        }

        private Builder(RaftOptions o) {
            tickMillis = o.tickMillis;
            electionTimeoutMinMillis = o.electionTimeoutMinMillis;
            electionTimeoutMaxMillis = o.electionTimeoutMaxMillis;
            heartbeatIntervalMillis = o.heartbeatIntervalMillis;
            maxEntriesPerMessage = o.maxEntriesPerMessage;
            maxBytesPerMessage = o.maxBytesPerMessage;
            maxInflightAppends = o.maxInflightAppends;
            maxPendingRequests = o.maxPendingRequests;
            requestTimeoutMillis = o.requestTimeoutMillis;
            logStore = o.logStore;
            transport = o.transport;
            preVote = o.preVote;
            checkQuorum = o.checkQuorum;
            clockDriftBoundPercent = o.clockDriftBoundPercent;
            snapshotThresholdEntries = o.snapshotThresholdEntries;
            snapshotKeepTailEntries = o.snapshotKeepTailEntries;
            snapshotSizeRatio = o.snapshotSizeRatio;
        }

        /**
         * Sets the tick length.
         *
         * @param millis milliseconds, 1 or more
         * @return this builder
         */
        public Builder tickMillis(long millis) {
            this.tickMillis = millis;
            return this;
        }

        /**
         * Sets the election timeout range.
         *
         * @param minMillis shortest timeout
         * @param maxMillis longest timeout, greater than {@code minMillis} so that timeouts are spread (Raft §5.2)
         * @return this builder
         */
        public Builder electionTimeoutMillis(long minMillis, long maxMillis) {
            this.electionTimeoutMinMillis = minMillis;
            this.electionTimeoutMaxMillis = maxMillis;
            return this;
        }

        /**
         * Sets the heartbeat interval.
         *
         * @param millis milliseconds; at most a third of the shortest election timeout
         * @return this builder
         */
        public Builder heartbeatIntervalMillis(long millis) {
            this.heartbeatIntervalMillis = millis;
            return this;
        }

        /**
         * Sets the most entries per AppendEntries message.
         *
         * @param entries 1 or more
         * @return this builder
         */
        public Builder maxEntriesPerMessage(int entries) {
            this.maxEntriesPerMessage = entries;
            return this;
        }

        /**
         * Sets the most payload bytes per AppendEntries message.
         *
         * @param bytes 1 or more
         * @return this builder
         */
        public Builder maxBytesPerMessage(long bytes) {
            this.maxBytesPerMessage = bytes;
            return this;
        }

        /**
         * Sets the pipelining window per follower.
         *
         * @param messages 1 or more
         * @return this builder
         */
        public Builder maxInflightAppends(int messages) {
            this.maxInflightAppends = messages;
            return this;
        }

        /**
         * Sets the capacity of the node's request queue.
         *
         * @param requests 1 or more
         * @return this builder
         */
        public Builder maxPendingRequests(int requests) {
            this.maxPendingRequests = requests;
            return this;
        }

        /**
         * Sets the request timeout.
         *
         * @param millis 1 or more
         * @return this builder
         */
        public Builder requestTimeoutMillis(long millis) {
            this.requestTimeoutMillis = millis;
            return this;
        }

        /**
         * Chooses the log store provider by name.
         *
         * @param name a {@link io.flotilla.raft.api.spi.LogStoreProvider#name()}
         * @return this builder
         */
        public Builder logStore(String name) {
            this.logStore = name;
            return this;
        }

        /**
         * Chooses the transport provider by name.
         *
         * @param name a {@link io.flotilla.raft.api.spi.TransportProvider#name()}
         * @return this builder
         */
        public Builder transport(String name) {
            this.transport = name;
            return this;
        }

        /**
         * Turns pre-vote on or off.
         *
         * @param enabled true to ask for pre-votes before an election
         * @return this builder
         */
        public Builder preVote(boolean enabled) {
            this.preVote = enabled;
            return this;
        }

        /**
         * Turns check-quorum (and leader stickiness) on or off.
         *
         * @param enabled true to let leaders step down without a quorum
         * @return this builder
         */
        public Builder checkQuorum(boolean enabled) {
            this.checkQuorum = enabled;
            return this;
        }

        /**
         * Sets the clock-rate drift bound that lease reads assume.
         *
         * @param percent 0 to 50
         * @return this builder
         */
        public Builder clockDriftBoundPercent(int percent) {
            this.clockDriftBoundPercent = percent;
            return this;
        }

        /**
         * Sets when snapshots are taken and how much log they leave behind.
         *
         * @param thresholdEntries entries applied since the last snapshot that trigger the next, 1 or more
         * @param keepTailEntries  entries kept before the snapshot index when compacting, 0 or more
         * @return this builder
         */
        public Builder snapshotEntries(long thresholdEntries, long keepTailEntries) {
            this.snapshotThresholdEntries = thresholdEntries;
            this.snapshotKeepTailEntries = keepTailEntries;
            return this;
        }

        /**
         * Sets how much log, relative to the last snapshot's size, must be applied before the next snapshot.
         *
         * @param ratio 0 (entries alone decide) or more; see {@link RaftOptions#snapshotSizeRatio()}
         * @return this builder
         */
        public Builder snapshotSizeRatio(int ratio) {
            this.snapshotSizeRatio = ratio;
            return this;
        }

        /**
         * Validates all values and returns the options.
         *
         * @return the options
         * @throws IllegalArgumentException naming every invalid option and why
         */
        public RaftOptions build() {
            List<String> problems = new ArrayList<>();
            positive(problems, "tickMillis", tickMillis);
            positive(problems, "electionTimeoutMinMillis", electionTimeoutMinMillis);
            positive(problems, "heartbeatIntervalMillis", heartbeatIntervalMillis);
            positive(problems, "maxEntriesPerMessage", maxEntriesPerMessage);
            positive(problems, "maxBytesPerMessage", maxBytesPerMessage);
            positive(problems, "maxInflightAppends", maxInflightAppends);
            positive(problems, "maxPendingRequests", maxPendingRequests);
            positive(problems, "requestTimeoutMillis", requestTimeoutMillis);
            if (electionTimeoutMaxMillis <= electionTimeoutMinMillis) {
                problems.add("electionTimeoutMaxMillis (" + electionTimeoutMaxMillis
                        + ") must be greater than electionTimeoutMinMillis (" + electionTimeoutMinMillis
                        + ") so that members time out at different moments (Raft §5.2)");
            }
            if (heartbeatIntervalMillis > 0 && electionTimeoutMinMillis < 3 * heartbeatIntervalMillis) {
                problems.add("electionTimeoutMinMillis (" + electionTimeoutMinMillis
                        + ") must be at least 3 x heartbeatIntervalMillis (" + heartbeatIntervalMillis
                        + "), or a lost heartbeat or two would start needless elections");
            }
            if (tickMillis > 0 && heartbeatIntervalMillis > 0 && tickMillis > heartbeatIntervalMillis) {
                problems.add("tickMillis (" + tickMillis + ") must not exceed heartbeatIntervalMillis ("
                        + heartbeatIntervalMillis + ")");
            }
            positive(problems, "snapshotThresholdEntries", snapshotThresholdEntries);
            if (snapshotKeepTailEntries < 0) {
                problems.add("snapshotKeepTailEntries must be 0 or more, got " + snapshotKeepTailEntries);
            }
            if (snapshotSizeRatio < 0) {
                problems.add("snapshotSizeRatio must be 0 or more, got " + snapshotSizeRatio);
            }
            if (clockDriftBoundPercent < 0 || clockDriftBoundPercent > 50) {
                problems.add("clockDriftBoundPercent must be from 0 to 50, got " + clockDriftBoundPercent);
            }
            if (logStore == null || logStore.isBlank()) {
                problems.add("logStore must name a log store provider");
            }
            if (transport == null || transport.isBlank()) {
                problems.add("transport must name a transport provider");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("invalid Raft options: " + String.join("; ", problems));
            }
            return new RaftOptions(this);
        }

        private static void positive(List<String> problems, String name, long value) {
            if (value < 1) {
                problems.add(name + " must be at least 1, got " + value);
            }
        }
    }

    /** Options are equal when every value is. */
    @Override
    public boolean equals(Object o) {
        return o instanceof RaftOptions r && toString().equals(r.toString());
    }

    /** Hashes every value. */
    @Override
    public int hashCode() {
        return Objects.hash(toString());
    }
}
