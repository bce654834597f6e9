package io.flotilla.kv.service.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.config.ConfigException;
import io.flotilla.kv.service.config.ConfigFile;
import io.flotilla.kv.service.config.ConfigResolver;
import io.flotilla.kv.service.config.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * etcd's auto-compaction policy (server/etcdserver/api/v3compactor) driven by a fake clock: when it compacts, to which
 * revision, only on the leader, and which settings it accepts. The scenarios follow etcd's own compactor tests.
 */
class AutoCompactionTest {

    private static final long MINUTE = Duration.ofMinutes(1).toMillis();
    private static final long HOUR = Duration.ofHours(1).toMillis();

    /** A member's clock and revision; each tick moves the clock by the policy's sampling interval. */
    private static final class FakeMember {
        final AutoCompaction policy;
        long now = 1_000_000; // an arbitrary monotonic origin
        long revision = 1;
        long compactRevision;
        boolean leader = true;
        final List<long[]> compactions = new ArrayList<>(); // {time since start, revision}
        final long start = now;

        FakeMember(String mode, String retention) {
            policy = AutoCompaction.of(mode, retention);
        }

        /** One sample at the current time, then the clock moves on; returns the compaction asked for, if any. */
        OptionalLong tick() {
            OptionalLong target = policy.sample(now, revision, compactRevision, leader);
            target.ifPresent(rev -> {
                compactions.add(new long[] {now - start, rev});
                compactRevision = rev;
            });
            now += policy.sampleEveryMillis();
            return target;
        }
    }

    @Test
    void periodicTwoHoursAsEtcdsHourlyTest() {
        // etcd TestPeriodicHourly: retention 2h, one new revision per sample (every 6 minutes); the first compaction
        // comes after 2 h, to the revision of the first sample, then one every hour, to the revision of ~2h before.
        FakeMember m = new FakeMember("periodic", "2h");
        assertEquals(6 * MINUTE, m.policy.sampleEveryMillis());
        assertEquals(HOUR, m.policy.compactEveryMillis());
        for (int i = 0; i < 20; i++) {
            assertTrue(m.tick().isEmpty(), "no compaction before 2h, tick " + i);
            m.revision++;
        }
        assertEquals(OptionalLong.of(1), m.tick()); // t = 2h
        m.revision++;
        for (int hour = 1; hour <= 3; hour++) {
            for (int j = 0; j < 9; j++) {
                assertTrue(m.tick().isEmpty());
                m.revision++;
            }
            assertEquals(OptionalLong.of(hour * 10L), m.tick(), "compaction at " + (2 + hour) + "h");
            m.revision++;
        }
        assertEquals(List.of(2 * HOUR, 3 * HOUR, 4 * HOUR, 5 * HOUR),
                m.compactions.stream().map(c -> c[0]).toList());
    }

    @Test
    void periodicOneHourCompactsHourlyToTheRevisionOfAnHourAgo() {
        FakeMember m = new FakeMember("periodic", "1h");
        assertEquals(6 * MINUTE, m.policy.sampleEveryMillis());
        long[] revisionAt = new long[200]; // revision at each tick
        for (int tick = 0; tick < 200; tick++) {
            revisionAt[tick] = m.revision;
            m.tick();
            m.revision += 7;
        }
        // The first after one hour (tick 10), then every hour.
        assertEquals(List.of(HOUR, 2 * HOUR, 3 * HOUR), m.compactions.stream().map(c -> c[0]).limit(3).toList());
        assertEquals(19, m.compactions.size()); // ticks 10, 20, ..., 190
        assertEquals(revisionAt[0], m.compactions.get(0)[1], "first: the revision at the start, an hour before");
        for (int k = 1; k < m.compactions.size(); k++) {
            long at = m.compactions.get(k)[0] / (6 * MINUTE);
            // The oldest of the samples kept: one retention period plus one sampling interval before (etcd's window).
            assertEquals(revisionAt[(int) at - 11], m.compactions.get(k)[1], "compaction " + k);
        }
    }

    @Test
    void periodicTenMinutesCompactsEveryTenMinutes() {
        FakeMember m = new FakeMember("periodic", "10m");
        assertEquals(MINUTE, m.policy.sampleEveryMillis());
        for (int tick = 0; tick <= 60; tick++) {
            m.tick();
            m.revision++;
        }
        assertEquals(List.of(10 * MINUTE, 20 * MINUTE, 30 * MINUTE, 40 * MINUTE, 50 * MINUTE, 60 * MINUTE),
                m.compactions.stream().map(c -> c[0]).toList());
        assertEquals(List.of(1L, 10L, 20L, 30L, 40L, 50L), m.compactions.stream().map(c -> c[1]).toList());
    }

    @Test
    void periodicFiveMinutesAsEtcdsMinutesTest() {
        FakeMember m = new FakeMember("periodic", "5m");
        assertEquals(30_000, m.policy.sampleEveryMillis());
        for (int tick = 0; tick <= 60; tick++) {
            m.tick();
            m.revision++;
        }
        assertEquals(List.of(1L, 10L, 20L, 30L, 40L, 50L), m.compactions.stream().map(c -> c[1]).toList());
    }

    @Test
    void periodicLongerThanAnHourKeepsTheWholeRetentionButCompactsHourly() {
        FakeMember m = new FakeMember("periodic", "24h");
        assertEquals(6 * MINUTE, m.policy.sampleEveryMillis());
        for (int tick = 0; tick <= 260; tick++) {
            m.tick();
            m.revision++;
        }
        assertEquals(List.of(24 * HOUR, 25 * HOUR, 26 * HOUR), m.compactions.stream().map(c -> c[0]).toList());
        assertEquals(1, m.compactions.get(0)[1]);
        assertEquals(10, m.compactions.get(1)[1]); // the revision of ~24h before 25h
    }

    @Test
    void aBareNumberIsHours() {
        FakeMember m = new FakeMember("periodic", "1");
        assertEquals(6 * MINUTE, m.policy.sampleEveryMillis());
        assertEquals(HOUR, m.policy.compactEveryMillis());
    }

    @Test
    void followersSampleButOnlyTheLeaderCompactsAsEtcdsPauseTest() {
        // etcd TestPeriodicPause: retention 1h, paused (a follower) for 34 samples, then leader: it compacts at the
        // next sample, to the revision of its oldest sample kept.
        FakeMember m = new FakeMember("periodic", "1h");
        m.leader = false;
        for (int tick = 0; tick < 34; tick++) {
            assertTrue(m.tick().isEmpty());
            m.revision++;
        }
        m.leader = true;
        assertEquals(OptionalLong.of(24), m.tick());
    }

    @Test
    void nothingIsProposedWhenTheTargetIsAlreadyCompacted() {
        FakeMember m = new FakeMember("periodic", "10m");
        for (int tick = 0; tick < 10; tick++) {
            m.tick(); // the revision does not move: an idle cluster
        }
        m.compactRevision = 1;
        assertTrue(m.tick().isEmpty(), "compacting to revision 1 again would fail with 'compacted'");
        assertTrue(m.compactions.isEmpty());
        // Counted as done, as etcd counts ErrCompacted: the next try is a whole interval later, and then the oldest
        // sample kept is still revision 1; the one after compacts to the new revision.
        m.revision = 50;
        for (int tick = 0; tick < 19; tick++) {
            assertTrue(m.tick().isEmpty(), "tick " + tick);
        }
        assertEquals(OptionalLong.of(50), m.tick());
    }

    @Test
    void aFailedCompactionIsRetriedAtTheNextSample() {
        FakeMember m = new FakeMember("periodic", "10m");
        for (int tick = 0; tick < 10; tick++) {
            m.tick();
            m.revision++;
        }
        assertEquals(OptionalLong.of(1), m.tick());
        m.compactRevision = 0; // it failed (say, leadership moved while it was proposed)
        m.policy.failed();
        m.revision++;
        assertEquals(OptionalLong.of(1), m.tick(), "the same compaction, one sample later");
        assertTrue(m.tick().isEmpty(), "and then not before the next interval");
    }

    @Test
    void revisionModeCompactsEveryFiveMinutesToCurrentMinusRetention() {
        // etcd TestRevision: retention 10; nothing while current - 10 <= 0; 100 -> 90; the same again is skipped;
        // 200 -> 190.
        FakeMember m = new FakeMember("revision", "10");
        assertEquals(5 * MINUTE, m.policy.sampleEveryMillis());
        assertTrue(m.tick().isEmpty()); // t = 0: the member starts; etcd's first check is 5 minutes later
        assertTrue(m.tick().isEmpty()); // t = 5m, revision 1
        m.revision = 100;
        assertEquals(OptionalLong.of(90), m.tick());
        assertTrue(m.tick().isEmpty(), "the same revision again");
        m.revision = 200;
        assertEquals(OptionalLong.of(190), m.tick());
        assertEquals(List.of(10 * MINUTE, 20 * MINUTE), m.compactions.stream().map(c -> c[0]).toList());
    }

    @Test
    void revisionThousandKeepsTheLastThousandRevisions() {
        FakeMember m = new FakeMember("revision", "1000");
        m.revision = 500;
        assertTrue(m.tick().isEmpty());
        assertTrue(m.tick().isEmpty(), "500 - 1000 <= 0");
        for (int i = 1; i <= 6; i++) {
            m.revision += 400;
            OptionalLong target = m.tick();
            if (m.revision - 1000 > 0) {
                assertEquals(OptionalLong.of(m.revision - 1000), target);
            } else {
                assertTrue(target.isEmpty());
            }
        }
        assertEquals(List.of(300L, 700L, 1100L, 1500L, 1900L), m.compactions.stream().map(c -> c[1]).toList());
        m.leader = false;
        m.revision += 400;
        assertTrue(m.tick().isEmpty(), "a follower never compacts");
    }

    @Test
    void callsCloserThanTheSamplingIntervalAreIgnored() {
        AutoCompaction policy = AutoCompaction.of("periodic", "10m");
        long t = 0;
        for (int i = 0; i < 10; i++) {
            policy.sample(t, 5, 0, true);
            policy.sample(t + 1, 6, 0, true); // an extra call right after: ignored
            t += MINUTE;
        }
        assertEquals(OptionalLong.of(5), policy.sample(t, 7, 0, true));
    }

    @Test
    void retentionZeroTurnsItOff() {
        assertNull(AutoCompaction.of("periodic", "0"));
        assertNull(AutoCompaction.of("periodic", "0s"));
        assertNull(AutoCompaction.of("revision", "0"));
    }

    @Test
    void durationsAsEtcdReadsThem() {
        assertEquals(HOUR, AutoCompaction.validate("periodic", "1h"));
        assertEquals(90 * MINUTE, AutoCompaction.validate("periodic", "1h30m"));
        assertEquals(90 * MINUTE, AutoCompaction.validate("periodic", "1.5h"));
        assertEquals(30 * MINUTE, AutoCompaction.validate("periodic", "30m"));
        assertEquals(90_000, AutoCompaction.validate("periodic", "90s"));
        assertEquals(500, AutoCompaction.validate("periodic", "500ms"));
        assertEquals(72 * HOUR, AutoCompaction.validate("periodic", "72"));
        assertEquals(1000, AutoCompaction.validate("revision", "1000"));
    }

    @Test
    void badInputsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> AutoCompaction.of("hourly", "1h"));
        assertThrows(IllegalArgumentException.class, () -> AutoCompaction.of("periodic", "1.5"));
        assertThrows(IllegalArgumentException.class, () -> AutoCompaction.of("periodic", "-1h"));
        assertThrows(IllegalArgumentException.class, () -> AutoCompaction.of("periodic", "soon"));
        assertThrows(IllegalArgumentException.class, () -> AutoCompaction.of("revision", "1h"));
        assertThrows(IllegalArgumentException.class, () -> AutoCompaction.of("revision", "-5"));
    }

    @Test
    void theConfigurationNamesTheFieldOfEachBadSetting() {
        assertEquals(List.of("autoCompactionMode: unknown auto-compaction mode 'hourly'; expected periodic or revision"),
                problems("hourly", "1h", null));
        assertEquals(List.of("autoCompactionRetention: with autoCompactionMode 'periodic' it must be a duration such "
                + "as 1h, 30m or 90s, or a whole number of hours, got '1.5'"), problems("periodic", "1.5", null));
        assertEquals(List.of("autoCompactionRetention: must not be negative, got '-1h'"),
                problems("periodic", "-1h", null));
        assertEquals(List.of("autoCompactionRetention: with autoCompactionMode 'revision' it must be a number of "
                + "revisions, got '30m'"), problems("revision", "30m", null));
        assertEquals(List.of("autoCompactionRetention: must not be negative, got '-5'"),
                problems("revision", "-5", null));
        assertEquals(List.of("quotaBackendBytes: must be a whole number of bytes (optionally with k, m or g), got "
                + "'lots'"), problems(null, null, "lots"));
        assertEquals(List.of(), problems("revision", "1000", "8m"));
    }

    @Test
    void theConfigurationCarriesTheSettings() {
        ConfigFile file = minimalConfig();
        file.autoCompactionMode = "revision";
        file.autoCompactionRetention = "1000";
        file.quotaBackendBytes = "8m";
        BackendSettings backend = ConfigResolver.resolve(file).settings().backend();
        assertEquals(8L << 20, backend.effectiveQuotaBytes());
        assertEquals("revision", backend.autoCompactionMode());
        assertEquals("1000", backend.autoCompactionRetention());
        ServerConfig defaults = ConfigResolver.resolve(minimalConfig());
        assertEquals(BackendSettings.DEFAULT_QUOTA_BYTES, defaults.settings().backend().effectiveQuotaBytes());
        assertNull(AutoCompaction.of(defaults.settings().backend().autoCompactionMode(),
                defaults.settings().backend().autoCompactionRetention()), "off by default, as etcd");
        file.quotaBackendBytes = "-1";
        assertEquals(Long.MAX_VALUE, ConfigResolver.resolve(file).settings().backend().effectiveQuotaBytes());
    }

    private static List<String> problems(String mode, String retention, String quota) {
        ConfigFile file = minimalConfig();
        file.autoCompactionMode = mode;
        file.autoCompactionRetention = retention;
        file.quotaBackendBytes = quota;
        try {
            ConfigResolver.resolve(file);
            return List.of();
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    private static ConfigFile minimalConfig() {
        ConfigFile file = new ConfigFile();
        file.nodeId = "n1";
        ConfigFile.MemberEntry member = new ConfigFile.MemberEntry();
        member.peer = "127.0.0.1:2380";
        member.client = "127.0.0.1:2379";
        file.cluster.put("n1", member);
        file.logStore.name = "memory";
        file.backend.name = "memory";
        return file;
    }
}
