package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.flotilla.kv.service.testing.ProcessCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's "space quota" walk-through (op-guide/maintenance), with the real {@code etcdctl} against three server JVMs on
 * the durable rocksdb backend with a 4 MiB quota: write until "database space exceeded"; {@code alarm list} shows
 * NOSPACE; reads and deletes still work; {@code compaction}, {@code defrag} of every member and {@code alarm disarm}
 * bring writes back. Then {@code endpoint hashkv} agrees on every member and {@code endpoint health} is healthy.
 * Skipped, with a warning, if etcdctl is not installed (CI installs it).
 */
class EtcdctlQuotaTest {

    /** Small, so a few puts fill it; memtables of 256 KiB, so the backend's size follows the data closely. */
    private static final long QUOTA = 4L << 20;
    private static final int VALUE_BYTES = 512 * 1024;

    @TempDir
    static Path data;

    private static ProcessCluster cluster;
    private static Etcdctl follower;
    private static Etcdctl all;
    private static List<String> endpoints = new ArrayList<>();

    @BeforeAll
    static void start() throws InterruptedException {
        Optional<Path> binary = Etcdctl.find();
        if (binary.isEmpty()) {
            System.err.println("""

                    ******************************************************************
                    ** WARNING: etcdctl is not installed: EtcdctlQuotaTest SKIPPED   **
                    ** Install it with: apt-get install -y etcd-client (CI: .ci/run) **
                    ******************************************************************
                    """);
        }
        Assumptions.assumeTrue(binary.isPresent(), "etcdctl is not installed (apt-get install -y etcd-client)");
        cluster = ProcessCluster.start(3, data, List.of("--backend=rocksdb",
                "--backend-option=writeBufferBytes=256k", "--quota-backend-bytes=" + QUOTA));
        int leader = cluster.awaitLeader(Duration.ofSeconds(60));
        for (int i = 0; i < cluster.size(); i++) {
            endpoints.add(cluster.channel(i).authority());
        }
        follower = new Etcdctl(binary.get(), endpoints.get((leader + 1) % cluster.size()));
        all = new Etcdctl(binary.get(), String.join(",", endpoints));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Errors after which nothing or a write that is safe to repeat here happened: the test tries again. */
    private static final List<String> TRANSIENT = List.of("leader changed", "no leader", "timed out",
            "too many requests", "Unavailable");

    /**
     * Runs etcdctl, again after a transient error (an election on a loaded machine), up to a few times; a client
     * of a real cluster does the same.
     */
    private static Etcdctl.Result retrying(Etcdctl etcdctl, String stdin, String... args) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Etcdctl.Result r = etcdctl.runWithInput(stdin, args);
            if (r.code() == 0 || attempt == 10 || TRANSIENT.stream().noneMatch(r.err()::contains)) {
                return r;
            }
            Thread.sleep(200);
        }
    }

    private static Etcdctl.Result ok(Etcdctl etcdctl, String... args) throws Exception {
        return ok(retrying(etcdctl, null, args));
    }

    private static Etcdctl.Result ok(Etcdctl.Result r) {
        assertEquals(0, r.code(), "etcdctl failed: " + r + (cluster == null ? "" : cluster.logs()));
        return r;
    }

    private static long revisionOf(String json) {
        Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(json);
        assertTrue(m.find(), json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void fullQuotaAsEtcdsMaintenanceGuide() throws Exception {
        ok(follower, "put", "small", "1");
        // Fill the keyspace, as the guide does with 1 MiB of /dev/urandom per put, until the quota stops it.
        SplittableRandom random = new SplittableRandom(7);
        Etcdctl.Result refused = null;
        for (int i = 0; i < 40 && refused == null; i++) {
            StringBuilder value = new StringBuilder(VALUE_BYTES);
            for (int j = 0; j < VALUE_BYTES; j++) {
                value.append((char) ('a' + random.nextInt(26)));
            }
            Etcdctl.Result r = retrying(follower, value.toString(), "put", "key");
            if (r.code() != 0) {
                refused = r;
            }
        }
        assertTrue(refused != null, "the quota stops the writes" + cluster.logs());
        assertTrue(refused.err().contains("etcdserver: mvcc: database space exceeded"), refused.toString());

        // The alarm is listed (on every member: it is replicated), and in endpoint status' errors.
        String alarms = ok(follower, "alarm", "list").out();
        assertTrue(alarms.matches("memberID:\\d+ alarm:NOSPACE ?\n"), alarms);
        assertEquals(alarms, ok(all, "alarm", "list").out());
        String status = ok(all, "endpoint", "status", "-w", "json").out();
        assertTrue(status.contains("alarm:NOSPACE"), status);

        // Writes fail anywhere; reads and deletes work.
        Etcdctl.Result again = retrying(all, null, "put", "other", "x");
        assertNotEquals(0, again.code());
        assertTrue(again.err().contains("etcdserver: mvcc: database space exceeded"), again.toString());
        assertEquals("key\n", ok(follower, "get", "key", "--keys-only").out().replace("\n\n", "\n"));
        assertEquals("1\n", ok(follower, "del", "small").out());

        // Recovery: compact away the old revisions, defragment every member, disarm.
        long revision = revisionOf(ok(follower, "endpoint", "status", "-w", "json").out());
        assertEquals("compacted revision " + revision + "\n",
                ok(follower, "compaction", Long.toString(revision), "--physical").out());
        String defrag = ok(all, "defrag").out();
        for (String endpoint : endpoints) {
            assertTrue(defrag.contains("Finished defragmenting etcd member[" + endpoint + "]"), defrag);
        }
        awaitBelowQuota();
        String disarmed = ok(follower, "alarm", "disarm").out();
        assertEquals(alarms, disarmed);
        assertEquals("", ok(all, "alarm", "list").out());
        assertEquals("OK\n", ok(follower, "put", "newkey", "123").out());
        assertEquals("OK\n", ok(all, "put", "newkey", "456").out());

        // Every member holds the same history; every member is healthy.
        awaitEqualHashes();
        Etcdctl.Result healthy = ok(all, "endpoint", "health");
        String health = healthy.err() + healthy.out();
        for (String endpoint : endpoints) {
            assertTrue(health.contains(endpoint + " is healthy"), health);
        }
    }

    /** Waits until every member reports a backend below the quota (its background compaction has run). */
    private static void awaitBelowQuota() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            boolean below = true;
            StringBuilder sizes = new StringBuilder();
            for (int i = 0; i < cluster.size(); i++) {
                StatusResponse s = cluster.status(i);
                below &= s != null && s.getDbSize() + VALUE_BYTES < QUOTA;
                sizes.append(s == null ? "?" : s.getDbSize()).append(' ');
            }
            if (below) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "backends still above the quota after defrag: " + sizes);
            Thread.sleep(100);
        }
    }

    /** Waits until {@code endpoint hashkv} shows the same hash on every member (they may apply a moment apart). */
    private static void awaitEqualHashes() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            String out = ok(all, "endpoint", "hashkv").out();
            List<String> hashes = out.lines().map(l -> l.substring(l.lastIndexOf(", ") + 2)).distinct().toList();
            List<String> lines = out.lines().toList();
            assertEquals(endpoints.size(), lines.size(), out);
            for (int i = 0; i < endpoints.size(); i++) {
                assertTrue(lines.get(i).startsWith(endpoints.get(i) + ", "), out);
            }
            if (hashes.size() == 1) {
                assertTrue(hashes.get(0).matches("\\d+"), out);
                return;
            }
            assertTrue(System.nanoTime() < deadline, "members disagree: " + out);
            Thread.sleep(100);
        }
    }
}
