package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code etcdctl} (API v3) against a three-member cluster, talking to a follower so that forwarding is
 * exercised too. Skipped only when etcdctl is not installed, with a loud warning: CI installs it (.ci/run).
 */
class EtcdctlCompatibilityTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;
    private static Etcdctl etcdctl;
    private static int follower;

    @BeforeAll
    static void start() throws InterruptedException {
        Optional<Path> binary = Etcdctl.find();
        if (binary.isEmpty()) {
            System.err.println("""

                    ************************************************************************
                    ** WARNING: etcdctl is not installed: EtcdctlCompatibilityTest SKIPPED **
                    ** Install it with: apt-get install -y etcd-client (CI does: .ci/run) **
                    ************************************************************************
                    """);
        }
        Assumptions.assumeTrue(binary.isPresent(), "etcdctl is not installed (apt-get install -y etcd-client)");
        cluster = TestCluster.start(3, data, TestCluster.FAST);
        int leader = cluster.awaitLeader(Duration.ofSeconds(10));
        follower = cluster.aFollower(leader);
        etcdctl = new Etcdctl(binary.get(), cluster.member(follower).clientAddress().toString());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Etcdctl.Result ok(Etcdctl.Result r) {
        assertEquals(0, r.code(), "etcdctl failed: " + r);
        return r;
    }

    @Test
    void putGetAndDelete() throws Exception {
        assertEquals("OK\n", ok(etcdctl.run("put", "foo", "bar")).out());
        assertEquals("foo\nbar\n", ok(etcdctl.run("get", "foo")).out());
        assertEquals("1\n", ok(etcdctl.run("del", "foo")).out());
        assertEquals("", ok(etcdctl.run("get", "foo")).out());
    }

    @Test
    void prefixRangeAndRevision() throws Exception {
        ok(etcdctl.run("put", "p/1", "one"));
        ok(etcdctl.run("put", "p/2", "two"));
        ok(etcdctl.run("put", "q", "other"));
        assertEquals("p/1\none\np/2\ntwo\n", ok(etcdctl.run("get", "--prefix", "p/")).out());
        assertEquals("p/2\ntwo\nq\nother\n", ok(etcdctl.run("get", "p/2", "r")).out());
        assertEquals("p/1\np/2\n", ok(etcdctl.run("get", "--prefix", "--keys-only", "p/")).out().replace("\n\n", "\n"));

        String json = ok(etcdctl.run("put", "rev", "first", "-w", "json")).out();
        long revision = Long.parseLong(json.replaceAll("(?s).*\"revision\":(\\d+).*", "$1"));
        ok(etcdctl.run("put", "rev", "second"));
        assertEquals("rev\nfirst\n", ok(etcdctl.run("get", "rev", "--rev=" + revision)).out());
        assertEquals("rev\nsecond\n", ok(etcdctl.run("get", "rev")).out());
        assertEquals("rev\nsecond\n", ok(etcdctl.run("get", "rev", "--consistency=l")).out());
        String serializable = ok(etcdctl.run("get", "rev", "--consistency=s")).out();
        assertTrue(serializable.equals("rev\nsecond\n") || serializable.equals("rev\nfirst\n"),
                "a serializable read on a follower is the newest or an applied earlier value: " + serializable);
    }

    @Test
    void txnFromStandardInput() throws Exception {
        ok(etcdctl.run("put", "tx", "v1"));
        String success = ok(etcdctl.runWithInput("""
                value("tx") = "v1"

                put tx v2
                get tx

                get tx

                """, "txn")).out();
        assertEquals("SUCCESS\n\nOK\n\ntx\nv2\n", success);
        String failure = ok(etcdctl.runWithInput("""
                value("tx") = "v1"

                put tx v3

                get tx

                """, "txn")).out();
        assertEquals("FAILURE\n\ntx\nv2\n", failure);
    }

    @Test
    void interactiveTxnReadsItsAnswersFromStandardInput() throws Exception {
        ok(etcdctl.run("put", "itx", "0"));
        Etcdctl.Result r = ok(etcdctl.runWithInput("""
                version("itx") > "0"

                put itx 1
                put itx-done yes

                get itx

                """, "txn", "-i"));
        assertTrue(r.out().startsWith("compares:\n"), r.out());
        assertTrue(r.out().contains("success requests (get, put, del):\n"), r.out());
        assertTrue(r.out().contains("failure requests (get, put, del):\n"), r.out());
        assertTrue(r.out().endsWith("SUCCESS\n\nOK\n\nOK\n"), r.out());
        assertEquals("itx-done\nyes\n", ok(etcdctl.run("get", "itx-done")).out());
    }

    @Test
    void watchReplaysHistoryThenFollowsNewChangesWithPreviousValues() throws Exception {
        String json = ok(etcdctl.run("put", "w/a", "1", "-w", "json")).out();
        long revision = Long.parseLong(json.replaceAll("(?s).*\"revision\":(\\d+).*", "$1"));
        try (Etcdctl.Running watch = etcdctl.start("watch", "--prefix", "w/", "--rev=" + revision, "--prev-kv")) {
            // The past (from --rev), then what happens while it watches; each event shows the previous value first.
            assertEquals(List.of("PUT", "w/a", "1"), watch.next(3));
            ok(etcdctl.run("put", "w/a", "2"));
            ok(etcdctl.run("del", "w/a"));
            assertEquals(List.of("PUT", "w/a", "1", "w/a", "2", "DELETE", "w/a", "2", "w/a", ""), watch.next(10));
        }
    }

    @Test
    void watchOfACompactedRevisionFailsAsEtcds() throws Exception {
        ok(etcdctl.run("put", "wc", "1"));
        String json = ok(etcdctl.run("put", "wc", "2", "-w", "json")).out();
        long revision = Long.parseLong(json.replaceAll("(?s).*\"revision\":(\\d+).*", "$1"));
        ok(etcdctl.run("compaction", Long.toString(revision)));
        try (Etcdctl.Running watch = etcdctl.start("watch", "wc", "--rev=" + (revision - 1))) {
            String out = watch.awaitExit();
            assertTrue(out.contains("required revision has been compacted"), out);
        }
    }

    @Test
    void leasesGrantAttachRenewListAndRevoke() throws Exception {
        String granted = ok(etcdctl.run("lease", "grant", "60")).out();
        assertTrue(granted.matches("lease [0-9a-f]+ granted with TTL\\(60s\\)\n"), granted);
        String id = granted.split(" ")[1];
        assertEquals("OK\n", ok(etcdctl.run("put", "--lease=" + id, "lk", "v")).out());
        String ttl = ok(etcdctl.run("lease", "timetolive", id, "--keys")).out();
        assertTrue(ttl.startsWith("lease " + id + " granted with TTL(60s), remaining(") && ttl.endsWith(
                "s), attached keys([lk])\n"), ttl);
        assertEquals("lease " + id + " keepalived with TTL(60)\n",
                ok(etcdctl.run("lease", "keep-alive", "--once", id)).out());
        assertTrue(ok(etcdctl.run("lease", "list")).out().contains(id + "\n"));
        assertEquals("lease " + id + " revoked\n", ok(etcdctl.run("lease", "revoke", id)).out());
        assertEquals("", ok(etcdctl.run("get", "lk")).out());
        assertEquals("lease " + id + " already expired\n", ok(etcdctl.run("lease", "timetolive", id)).out());
        Etcdctl.Result unknown = etcdctl.run("lease", "revoke", id);
        assertTrue(unknown.code() != 0 && unknown.err().contains("etcdserver: requested lease not found"),
                unknown.toString());
    }

    @Test
    void lockIsExclusiveAndPassesOnWhenTheHoldersSessionExpires() throws Exception {
        try (Etcdctl.Running first = etcdctl.start("lock", "--ttl=2", "elock")) {
            String held = first.next(1).get(0);
            assertTrue(held.startsWith("elock/"), held);
            // Started once the first holds the lock: started together, either could win it.
            try (Etcdctl.Running second = etcdctl.start("lock", "--ttl=2", "elock")) {
                assertEquals(null, second.poll(1_000), "two holders at once");
                first.kill(); // SIGKILL: its session lease is not revoked, it expires
                String next = second.next(1).get(0);
                assertTrue(next.startsWith("elock/") && !next.equals(held), next);
            }
        }
    }

    @Test
    void electCampaignsAndListenersSeeTheLeader() throws Exception {
        try (Etcdctl.Running leader = etcdctl.start("elect", "eelect", "first");
             Etcdctl.Running listener = etcdctl.start("elect", "-l", "eelect")) {
            List<String> won = leader.next(2);
            assertTrue(won.get(0).startsWith("eelect/"), won.toString());
            assertEquals("first", won.get(1));
            assertEquals(won, listener.next(2));
            try (Etcdctl.Running next = etcdctl.start("elect", "eelect", "second")) {
                assertEquals(null, next.poll(1_000), "two leaders at once");
                leader.terminate(); // SIGTERM: etcdctl resigns
                assertEquals("second", next.next(2).get(1));
                assertEquals("second", listener.next(2).get(1));
            }
        }
    }

    @Test
    void compaction() throws Exception {
        String json = ok(etcdctl.run("put", "c", "1", "-w", "json")).out();
        long revision = Long.parseLong(json.replaceAll("(?s).*\"revision\":(\\d+).*", "$1"));
        ok(etcdctl.run("put", "c", "2"));
        assertEquals("compacted revision " + (revision + 1) + "\n",
                ok(etcdctl.run("compaction", Long.toString(revision + 1))).out());
        Etcdctl.Result old = etcdctl.run("get", "c", "--rev=" + revision);
        assertTrue(old.code() != 0, old.toString());
        assertTrue(old.err().contains("required revision has been compacted"), old.toString());
    }

    @Test
    void memberList() throws Exception {
        List<String> lines = ok(etcdctl.run("member", "list")).out().lines().toList();
        assertEquals(3, lines.size());
        String expected = Long.toHexString(ClusterMembers.memberId(cluster.member(0).id())) + ", started, n1, http://"
                + cluster.member(0).peerAddress() + ", http://" + cluster.member(0).clientAddress() + ", false";
        assertEquals(expected, lines.get(0));
    }

    @Test
    void endpointStatusAndHealth() throws Exception {
        String status = ok(etcdctl.run("endpoint", "status")).out();
        String id = Long.toHexString(ClusterMembers.memberId(cluster.member(follower).id()));
        assertTrue(status.startsWith(cluster.member(follower).clientAddress() + ", " + id + ", "), status);
        assertTrue(status.contains(", false, false, "), "a follower, not a learner: " + status);
        String health = ok(etcdctl.run("endpoint", "health")).err() + ok(etcdctl.run("endpoint", "health")).out();
        assertTrue(health.contains("is healthy"), health);
    }

    @Test
    void errorsReachEtcdctlVerbatim() throws Exception {
        Etcdctl.Result future = etcdctl.run("get", "x", "--rev=999999");
        assertTrue(future.code() != 0);
        assertTrue(future.err().contains("etcdserver: mvcc: required revision is a future revision"), future.err());
    }
}
