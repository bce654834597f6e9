package io.flotilla.kv.service.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.kv.service.node.ClusterMembers;
import io.flotilla.kv.service.testing.FreePorts;
import io.flotilla.kv.service.testing.TestCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code flotilla} CLI against a three-member cluster: every command, output formats and failures. */
class CliTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;
    private static String endpoints;

    /** What one CLI run printed. */
    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void startCluster() throws InterruptedException {
        cluster = TestCluster.start(3, data, TestCluster.FAST);
        cluster.awaitLeader(Duration.ofSeconds(10));
        endpoints = cluster.member(0).clientAddress() + "," + cluster.member(1).clientAddress();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    static Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.stream().noneMatch(a -> a.startsWith("--endpoints"))) {
            all.add("--endpoints=" + endpoints);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = CliMain.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int code = cli.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String[] command : new String[][] {{"member", "--help"}, {"member", "list", "--help"},
            {"snapshot", "restore", "--help"}, {"move-leader", "--help"}, {"get", "--help"}}) {
            Run help = cli(command);
            assertEquals(0, help.code(), String.join(" ", command) + ": " + help.err());
            assertTrue(help.out().startsWith("Usage: flotilla " + command[0]), help.out());
        }
    }

    @Test
    void putGetAndDelete() {
        assertEquals(new Run(0, "OK\n", ""), cli("put", "cli/a", "hello"));
        assertEquals(new Run(0, "cli/a\nhello\n", ""), cli("get", "cli/a"));
        assertEquals(new Run(0, "1\n", ""), cli("del", "cli/a"));
        assertEquals(new Run(0, "", ""), cli("get", "cli/a"));
    }

    @Test
    void watchPrintsEventsAsEtcdctlDoes() throws Exception {
        assertEquals(0, cli("put", "wat/a", "1").code());
        long rev = cluster.server(cluster.awaitLeader(Duration.ofSeconds(10))).node().revision();
        cli("put", "wat/a", "2");
        cli("del", "wat/a");
        assertEquals(new Run(0, "PUT\nwat/a\n1\nPUT\nwat/a\n1\nwat/a\n2\nDELETE\nwat/a\n2\nwat/a\n\n", ""),
                cli("watch", "wat/", "--prefix", "--rev", Long.toString(rev), "--prev-kv", "--max-events", "3"));
    }

    @Test
    void leaseCommandsPrintWhatEtcdctlPrints() {
        Run grant = cli("lease", "grant", "60");
        assertEquals(0, grant.code(), grant.toString());
        assertTrue(grant.out().matches("lease [0-9a-f]{16} granted with TTL\\(60s\\)\n"), grant.out());
        String id = grant.out().split(" ")[1];
        assertEquals(new Run(0, "OK\n", ""), cli("put", "leased", "v", "--lease", id));
        String ttl = cli("lease", "timetolive", id, "--keys").out();
        assertTrue(ttl.startsWith("lease " + id + " granted with TTL(60s), remaining(")
                && ttl.endsWith("s), attached keys([leased])\n"), ttl);
        assertEquals(new Run(0, "lease " + id + " keepalived with TTL(60)\n", ""),
                cli("lease", "keep-alive", id, "--once"));
        assertTrue(cli("lease", "list").out().contains("\n" + id + "\n"));
        assertEquals(new Run(0, "lease " + id + " revoked\n", ""), cli("lease", "revoke", id));
        assertEquals(new Run(0, "", ""), cli("get", "leased"));
        assertEquals(new Run(0, "lease " + id + " already expired\n", ""), cli("lease", "timetolive", id));
        assertEquals(new Run(1, "", "flotilla: etcdserver: requested lease not found\n"), cli("lease", "revoke", id));
        assertEquals(new Run(2, "", "flotilla: bad lease ID 'xyz': expected hexadecimal, as etcdctl prints\n"),
                cli("lease", "revoke", "xyz"));
    }

    @Test
    void lockRunsACommandWhileHoldingTheLockAndReleasesIt() {
        Run held = cli("lock", "--endpoints=" + endpoints, "cli-lock", "--", "sh", "-c", "exit 3");
        assertEquals(3, held.code(), held.toString());
        assertTrue(held.out().startsWith("cli-lock/"), held.out());
        String key = held.out().strip();
        assertEquals(new Run(0, "", ""), cli("get", key), "the lock's key is deleted once the command ends");
        String lease = String.format("%16s", key.substring("cli-lock/".length())).replace(' ', '0');
        assertEquals("lease " + lease + " already expired\n", cli("lease", "timetolive", lease).out(),
                "the session's lease is revoked on the way out");
    }

    @Test
    void prefixRangeRevisionAndCount() {
        cli("put", "pfx/1", "one");
        cli("put", "pfx/2", "two");
        cli("put", "pfy", "other");
        assertEquals("pfx/1\none\npfx/2\ntwo\n", cli("get", "pfx/", "--prefix").out());
        assertEquals("pfx/1\npfx/2\n", cli("get", "pfx/", "--prefix", "--keys-only").out());
        assertEquals("pfx/2\ntwo\npfy\nother\n", cli("get", "pfx/2", "pfz").out());
        assertEquals("3\n", cli("get", "pf", "--prefix", "--count-only").out());
        Run append = cli("append", "pfx/1", "!");
        long rev = Long.parseLong(append.out().lines().findFirst().orElseThrow().replace("OK revision ", ""));
        cli("put", "pfx/1", "changed");
        assertEquals("pfx/1\none!\n", cli("get", "pfx/1", "--rev", Long.toString(rev)).out());
        assertEquals("pfx/1\nchanged\n", cli("get", "pfx/1").out());
        assertEquals("pfx/1\nchanged\n", eventually(() -> cli("get", "pfx/1", "--consistency", "s").out(),
                "pfx/1\nchanged\n"), "a serializable read catches up");
        assertEquals("2\n", cli("del", "pfx/", "--prefix").out());
        long all = Long.parseLong(cli("get", "", "--prefix", "--count-only").out().trim());
        assertEquals(all, Long.parseLong(cli("get", "", "--from-key", "--count-only").out().trim()));
        assertTrue(all >= 1, "pfy is still there");
    }

    @Test
    void appendPrintsRevisionAndValue() {
        Run first = cli("append", "app", "x");
        Run second = cli("append", "app", "y");
        assertEquals(0, second.code());
        List<String> lines = second.out().lines().toList();
        assertEquals("xy", lines.get(1));
        long r1 = Long.parseLong(first.out().lines().findFirst().orElseThrow().replace("OK revision ", ""));
        long r2 = Long.parseLong(lines.get(0).replace("OK revision ", ""));
        assertTrue(r2 > r1);
    }

    @Test
    void txnTakesTheBranchItsConditionsChoose() {
        assertEquals(new Run(0, "SUCCESS\n\nOK\n\nlock\nme\n", ""),
                cli("txn", "--if-version", "lock=0", "--then-put", "lock=me", "--then-get", "lock",
                        "--else-get", "lock"));
        assertEquals(new Run(0, "FAILURE\n\nlock\nme\n", ""),
                cli("txn", "--if-version", "lock=0", "--then-put", "lock=you", "--else-get", "lock"));
        assertEquals("SUCCESS\n\n1\n", cli("txn", "--if-value", "lock=me", "--if-version", "lock>0",
                "--then-del", "lock").out());
    }

    private static String eventually(java.util.function.Supplier<String> read, String expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String last = read.get();
        while (!last.equals(expected) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            last = read.get();
        }
        return last;
    }

    @Test
    void memberListAndStatus() throws InterruptedException {
        Run members = cli("member", "list");
        assertEquals(0, members.code(), members.err());
        List<String> lines = members.out().lines().toList();
        assertEquals(3, lines.size());
        assertEquals(Long.toHexString(ClusterMembers.memberId(cluster.member(0).id())) + ", started, n1, http://"
                + cluster.member(0).peerAddress() + ", http://" + cluster.member(0).clientAddress() + ", false",
                lines.get(0));
        Run status = cli("status");
        assertEquals(0, status.code(), status.err());
        assertEquals(2, status.out().lines().count());
        assertTrue(status.out().startsWith(cluster.member(0).clientAddress() + ", "), status.out());
        int leader = cluster.awaitLeader(Duration.ofSeconds(5));
        assertEquals(leader < 2 ? 1 : 0, status.out().lines().filter(l -> l.contains("leader=true")).count(),
                status.out());
    }

    @Test
    void etcdErrorsArePrintedWithoutStackTraces() {
        Run run = cli("get", "x", "--rev", "999999");
        assertEquals(1, run.code());
        assertEquals("flotilla: etcdserver: mvcc: required revision is a future revision\n", run.err());
        Run duplicate = cli("txn", "--then-put", "d=1", "--then-put", "d=2");
        assertEquals("flotilla: etcdserver: duplicate key given in txn request\n", duplicate.err());
    }

    @Test
    void noReachableServerIsAClearError() {
        int port = FreePorts.next();
        Run run = cli("get", "x", "--endpoints", "127.0.0.1:" + port, "--timeout", "2s");
        assertEquals(1, run.code());
        assertTrue(run.err().startsWith("flotilla: no server reachable at 127.0.0.1:" + port), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void aFailingFirstEndpointIsSkippedForReads() {
        cli("put", "failover", "ok");
        Run run = cli("get", "failover", "--endpoints",
                "127.0.0.1:" + FreePorts.next() + "," + cluster.member(2).clientAddress());
        assertEquals(new Run(0, "failover\nok\n", ""), run);
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, cli("txn", "--if-version", "nooperator").code());
        assertEquals(2, cli("get").code());
        assertEquals(2, cli("get", "k", "--endpoints", "localhost").code());
        assertEquals(2, cli("get", "k", "--timeout", "soon").code());
    }
}
