package io.flotilla.kv.service.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpoint;
import io.flotilla.kv.service.internal.proto.etcd.LeaseCheckpointRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeRequest;
import io.flotilla.kv.service.mvcc.KvStateMachine;
import io.flotilla.kv.service.mvcc.MvccStore;
import io.flotilla.raft.api.LogEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The leader's lease clock, on a hand-driven clock: when leases expire, renewals, leader changes, checkpoints. */
class LeaseClockTest {

    private static final long ELECTION = TimeUnit.SECONDS.toNanos(1);

    private long now = 1_000_000_000L;
    private long index;
    private KvStateMachine sm;
    private LeaseClock clock;

    @BeforeEach
    void start() {
        sm = new KvStateMachine(new MvccStore(Backends.provider("memory").open(
                new BackendContext(Path.of("target", "unused"), MvccStore.tables(), Map.of()))));
        clock = new LeaseClock(sm.leases(), () -> now, ELECTION);
        sm.leases().listen(clock);
    }

    private void apply(Command c) {
        sm.apply(LogEntry.command(++index, 1, c.toByteArray()));
        sm.batchApplied();
    }

    private void grant(long id, long ttl) {
        apply(Command.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl)).build());
    }

    private void advanceSeconds(double s) {
        now += (long) (s * 1e9);
    }

    @Test
    void onlyTheLeaderExpiresLeasesEachOnceUntilItsRevokeFails() {
        grant(1, 5);
        advanceSeconds(100);
        assertEquals(List.of(), clock.expired(10), "a follower never expires a lease");
        clock.leadershipChanged(true);
        advanceSeconds(5.5);
        assertEquals(List.of(), clock.expired(10), "a new leader adds an election timeout to every lease");
        advanceSeconds(0.6);
        assertEquals(List.of(1L), clock.expired(10));
        assertEquals(List.of(), clock.expired(10), "proposed once while its revoke is under way");
        assertEquals(0, clock.renew(1), "an expired lease is not renewed");
        clock.revokeFailed(1);
        assertEquals(List.of(1L), clock.expired(10));
        apply(Command.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(1)).build());
        assertEquals(-1, clock.remainingSeconds(1));
    }

    @Test
    void renewalsRestartTheTtlAndTimeToLiveCountsDown() {
        clock.leadershipChanged(true);
        grant(2, 10);
        advanceSeconds(7.2);
        assertEquals(2, clock.remainingSeconds(2));
        assertEquals(10, clock.renew(2));
        advanceSeconds(9.5);
        assertEquals(List.of(), clock.expired(10));
        assertEquals(0, clock.remainingSeconds(2), "etcd truncates to whole seconds");
        advanceSeconds(1);
        assertEquals(List.of(2L), clock.expired(10));
        assertEquals(0, clock.renew(99), "an unknown lease renews to TTL 0");
    }

    @Test
    void aNewLeaderContinuesFromTheCheckpointedRemainingTtl() {
        clock.leadershipChanged(true);
        grant(3, 60);
        advanceSeconds(45);
        List<LeaseCheckpoint> checkpoints = clock.checkpoints();
        assertEquals(List.of(LeaseCheckpoint.newBuilder().setID(3).setRemainingTTL(15).build()), checkpoints);
        apply(Command.newBuilder().setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder()
                .addAllCheckpoints(checkpoints)).build());
        clock.leadershipChanged(false);
        assertEquals(List.of(), clock.checkpoints(), "a follower checkpoints nothing");
        advanceSeconds(30);
        clock.leadershipChanged(true); // the remaining 15 s plus an election timeout, not a fresh minute
        advanceSeconds(15.5);
        assertEquals(List.of(), clock.expired(10));
        advanceSeconds(1);
        assertEquals(List.of(3L), clock.expired(10));
    }
}
