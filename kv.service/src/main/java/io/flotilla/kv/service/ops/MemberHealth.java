package io.flotilla.kv.service.ops;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.etcd.AlarmMember;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.node.Failures;
import io.flotilla.kv.service.node.KvNode;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether a member can serve, as etcd 3.5 decides it for {@code /health} ({@code etcdhttp.checkV3Health}) and as the
 * gRPC health service reports it.
 */
public final class MemberHealth {

    /**
     * The answer of a health check, as etcd's JSON ({@code {"health":"true","reason":""}}).
     *
     * @param healthy whether the member is healthy
     * @param reason  why not (etcd's words: {@code ALARM NOSPACE}, {@code RAFT NO LEADER}, {@code RANGE ERROR:...}),
     *                empty when healthy
     */
    public record Result(boolean healthy, String reason) {

        /** {@return the answer as etcd's /health body} */
        public String json() {
            return "{\"health\":\"" + healthy + "\",\"reason\":\"" + reason.replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\"}";
        }
    }

    private final KvNode node;
    private final MemberMetrics metrics;
    private final long timeoutMillis;

    /**
     * Creates the checker.
     *
     * @param node          the member
     * @param metrics       counts the outcomes of {@link #check}
     * @param timeoutMillis how long the check's read may take (etcd: the request timeout)
     */
    public MemberHealth(KvNode node, MemberMetrics metrics, long timeoutMillis) {
        this.node = node;
        this.metrics = metrics;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * etcd's {@code /health}: unhealthy while any member has an alarm not excluded, while no leader is known (unless
     * {@code serializable}), or if a one-key read fails; that read is linearizable unless {@code serializable}.
     *
     * @param excludedAlarms alarm names to ignore ({@code ?exclude=NOSPACE})
     * @param serializable   {@code ?serializable=true}: a local read, and no leader needed
     * @return the answer; never fails
     */
    public CompletableFuture<Result> check(Set<String> excludedAlarms, boolean serializable) {
        Result early = alarmOrLeader(excludedAlarms, serializable);
        if (early != null) {
            metrics.healthChecked(false);
            return CompletableFuture.completedFuture(early);
        }
        Query read = Query.newBuilder().setRange(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("health"))
                .setKeysOnly(true).setLimit(1).setSerializable(serializable)).build();
        return node.read(read, serializable).orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .handle((result, failure) -> {
                    Result r = failure == null ? new Result(true, "")
                            : new Result(false, "RANGE ERROR:" + message(failure));
                    metrics.healthChecked(r.healthy());
                    return r;
                });
    }

    /** {@return whether the member serves: it knows a leader and no member has an alarm (the gRPC health check)} */
    public boolean serving() {
        return alarmOrLeader(Set.of(), false) == null;
    }

    private Result alarmOrLeader(Set<String> excludedAlarms, boolean serializable) {
        for (AlarmMember alarm : node.alarms()) {
            String name = alarm.getAlarm().name();
            if (excludedAlarms.contains(name)) {
                continue;
            }
            return new Result(false, switch (alarm.getAlarm()) {
                case NOSPACE -> "ALARM NOSPACE";
                case CORRUPT -> "ALARM CORRUPT";
                default -> "ALARM UNKNOWN";
            });
        }
        if (!serializable && node.status().leader().isEmpty()) {
            return new Result(false, "RAFT NO LEADER");
        }
        return null;
    }

    private static String message(Throwable failure) {
        Throwable cause = Failures.toEtcdError(failure);
        if (cause instanceof TimeoutException) {
            return "context deadline exceeded"; // etcd's words for a read that outlived the request timeout
        }
        String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m;
    }
}
