package io.flotilla.kv.service.node;

import java.util.Map;
import java.util.Objects;

/**
 * Where and how a member keeps its MVCC state (etcd's backend settings).
 *
 * @param name                    the backend plugin, e.g. {@code rocksdb} (found through
 *                                {@link io.flotilla.kv.backend.Backends})
 * @param options                 backend-specific options
 * @param quotaBytes              etcd's {@code quota-backend-bytes}: past this size on disk, writes are refused with
 *                                a NOSPACE alarm; 0 means the default (2 GiB), a negative value turns the quota off
 * @param autoCompactionMode      etcd's {@code auto-compaction-mode}: {@code periodic} or {@code revision}
 * @param autoCompactionRetention etcd's {@code auto-compaction-retention}: for {@code periodic} a duration
 *                                ({@code 1h}, {@code 30m}, or a bare number of hours), for {@code revision} a number
 *                                of revisions; {@code 0} turns auto-compaction off
 */
public record BackendSettings(String name, Map<String, String> options, long quotaBytes, String autoCompactionMode,
                              String autoCompactionRetention) {

    /** The default backend: durable, on RocksDB. */
    public static final String DEFAULT_BACKEND = "rocksdb";
    /** etcd's default quota, 2 GiB. */
    public static final long DEFAULT_QUOTA_BYTES = 2L << 30;

    /** Validates the record. */
    public BackendSettings {
        Objects.requireNonNull(name, "name");
        options = Map.copyOf(options);
        Objects.requireNonNull(autoCompactionMode, "autoCompactionMode");
        Objects.requireNonNull(autoCompactionRetention, "autoCompactionRetention");
    }

    /**
     * Returns etcd's defaults for a backend: its default quota, auto-compaction off.
     *
     * @param name the backend
     * @return the settings
     */
    public static BackendSettings of(String name) {
        return new BackendSettings(name, Map.of(), 0, "periodic", "0");
    }

    /** {@return the quota in bytes that applies, or {@code Long.MAX_VALUE} when the quota is off} */
    public long effectiveQuotaBytes() {
        return quotaBytes == 0 ? DEFAULT_QUOTA_BYTES : quotaBytes < 0 ? Long.MAX_VALUE : quotaBytes;
    }
}
