package io.flotilla.kv.service.node;

import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.etcd.AlarmMember;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest;
import io.flotilla.kv.service.internal.proto.etcd.AlarmType;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.service.mvcc.KvStateMachine;
import io.flotilla.raft.api.NodeId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's side of etcd's NOSPACE alarm: refuses a write that would take the backend to its quota, or that a full
 * disk cannot take, and raises the alarm for this member instead (once applied, every member refuses writes that grow
 * the store, etcd's capped applier); and, on the member's timer, notices a backend that ran out of disk by itself.
 */
final class SpaceGuard {

    /** How long after raising the alarm for a full disk the member tries again if the alarm did not take. */
    static final long FAULT_ALARM_RETRY_MILLIS = 30_000;

    private static final Logger LOG = LoggerFactory.getLogger(SpaceGuard.class);

    private final NodeId self;
    private final long memberId;
    private final KvStateMachine stateMachine;
    private final long quotaBytes;
    private final QuotaGauge quota;
    private final Function<Command, CompletableFuture<CommandResult>> write;
    /** The NOSPACE alarm being proposed, so that concurrent refused writes propose it once. */
    private final AtomicReference<CompletableFuture<Void>> noSpaceProposal = new AtomicReference<>();
    private volatile long faultAlarmNanos;
    private volatile boolean faultAlarmed;

    /**
     * @param self         the member
     * @param memberId     its etcd member id
     * @param stateMachine its state (the backend, the alarms)
     * @param quotaBytes   the quota, {@code Long.MAX_VALUE} when off
     * @param write        proposes a command through the member (the alarm)
     */
    SpaceGuard(NodeId self, long memberId, KvStateMachine stateMachine, long quotaBytes,
               Function<Command, CompletableFuture<CommandResult>> write) {
        this.self = self;
        this.memberId = memberId;
        this.stateMachine = stateMachine;
        this.quotaBytes = quotaBytes;
        this.quota = new QuotaGauge(quotaBytes, () -> stateMachine.store().sizeBytes(), System::nanoTime);
        this.write = write;
    }

    /**
     * etcd's quota check for a write that costs quota (a put, a transaction that puts, an append), made before the
     * write is proposed: if the backend's size on disk plus the write's cost reaches the quota, or the backend reports
     * a full disk, the write must not be proposed. A NOSPACE alarm for this member is proposed instead and the write
     * fails with {@link KvError#NO_SPACE}.
     *
     * @param cost the write's cost, as {@link io.flotilla.kv.service.mvcc.Quota} counts it; 0 never fails
     * @param <T>  the write's result type
     * @return null if the write may go on; else a future that fails with NO_SPACE once the alarm is proposed
     */
    <T> CompletableFuture<T> refusal(long cost) {
        if (cost <= 0 || !(stateMachine.backendOutOfSpace() || quota.exceeds(cost))) {
            return null;
        }
        return raiseNoSpace(cost).handle((done, failure) -> {
            throw KvError.NO_SPACE.exception();
        });
    }

    /**
     * Proposes the NOSPACE alarm for this member unless it is active already (or being proposed), and completes when
     * that is done; never fails (a lost proposal is made again by the next write that finds the quota exceeded).
     */
    private CompletableFuture<Void> raiseNoSpace(long cost) {
        if (hasAlarm(AlarmType.NOSPACE)) {
            return CompletableFuture.completedFuture(null);
        }
        while (true) {
            CompletableFuture<Void> pending = noSpaceProposal.get();
            if (pending != null && !pending.isDone()) {
                return pending;
            }
            CompletableFuture<Void> mine = new CompletableFuture<>();
            if (!noSpaceProposal.compareAndSet(pending, mine)) {
                continue;
            }
            if (stateMachine.backendOutOfSpace()) {
                LOG.warn("member {}: the backend's disk is full; raising the NOSPACE alarm", self);
            } else {
                LOG.warn("member {}: a write of {} bytes would take the backend ({} bytes on disk) to its quota ({} "
                        + "bytes); raising the NOSPACE alarm", self, cost, stateMachine.store().sizeBytes(), quotaBytes);
            }
            AlarmRequest alarm = AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                    .setMemberID(memberId).setAlarm(AlarmType.NOSPACE).build();
            write.apply(Command.newBuilder().setAlarm(alarm).build()).whenComplete((result, failure) -> {
                if (failure != null) {
                    LOG.warn("member {}: the NOSPACE alarm could not be raised: {}", self,
                            Failures.describe(failure));
                }
                mine.complete(null);
            });
            return mine;
        }
    }

    private boolean hasAlarm(AlarmType type) {
        for (AlarmMember a : stateMachine.alarms()) {
            if (a.getMemberID() == memberId && a.getAlarm() == type) {
                return true;
            }
        }
        return false;
    }

    /**
     * Looks at the backend (on the member's timer): a full disk makes the apply thread wait and retry, so this member
     * cannot take writes; it raises the NOSPACE alarm for itself, which the other members apply, so the cluster stops
     * taking writes that grow the store until an operator frees space (etcd raises the same alarm for a full quota).
     */
    void checkBackend() {
        try {
            if (!stateMachine.backendOutOfSpace()) {
                faultAlarmed = false;
                return;
            }
            long now = System.nanoTime();
            if (hasAlarm(AlarmType.NOSPACE) || (faultAlarmed
                    && now - faultAlarmNanos < TimeUnit.MILLISECONDS.toNanos(FAULT_ALARM_RETRY_MILLIS))) {
                return;
            }
            faultAlarmed = true;
            faultAlarmNanos = now;
            LOG.error("member {}: {}", self, stateMachine.backendFault());
            raiseNoSpace(0);
        } catch (RuntimeException e) {
            LOG.warn("member {}: backend check failed: {}", self, e.toString());
        }
    }
}
