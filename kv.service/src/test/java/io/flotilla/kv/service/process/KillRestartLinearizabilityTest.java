package io.flotilla.kv.service.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.flotilla.kv.service.testing.ProcessCluster;
import io.flotilla.raft.testkit.linearizability.CheckResult;
import io.flotilla.raft.testkit.linearizability.HistoryRecorder;
import io.flotilla.raft.testkit.linearizability.KvInput;
import io.flotilla.raft.testkit.linearizability.KvModel;
import io.flotilla.raft.testkit.linearizability.KvOutput;
import io.flotilla.raft.testkit.linearizability.LinearizabilityChecker;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three server JVMs with the gRPC transport; concurrent clients write and read while the leader, then a follower, is
 * killed with SIGKILL and restarted. Afterwards: no acknowledged write is lost, every member holds the same data
 * (compared with serializable reads on each), and the recorded history is linearizable.
 *
 * <p>With the {@code memory} log store a killed member restarts empty (and without its Raft term and vote). Raft's
 * safety assumes durable state, so with that store the test waits for the restarted member to catch up before the
 * next kill; with a durable store the same schedule runs and the member also recovers from its own disk.
 */
class KillRestartLinearizabilityTest {

    private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3");
    private static final int CLIENTS = 4;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void killingTheLeaderThenAFollowerLosesNothingAndStaysLinearizable() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(3, directory, List.of(
                "--engine-option=requestTimeoutMillis=2000",
                // Bounds what the leader may queue for one peer to 128 x 256 KiB, so a 256 MB heap holds it even
                // while the engine re-sends snapshot chunks to a restarting member (see the report on RaftProtocol).
                "--engine-option=maxBytesPerMessage=262144", "--transport-option=queueCapacity=128",
                // Snapshots every 3000 entries: restarted members are caught up by snapshot installs, not only the log.
                "--engine-option=snapshotThresholdEntries=3000", "--engine-option=snapshotKeepTailEntries=1000",
                "--engine-option=snapshotSizeRatio=0"))) {
            cluster.awaitLeader(Duration.ofSeconds(60));
            HistoryRecorder<KvInput, KvOutput> history = new HistoryRecorder<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<ChaosClient> clients = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            Thread compactor = new Thread(() -> compactPeriodically(cluster, stop), "compactor");
            threads.add(compactor);
            compactor.start();
            for (int i = 0; i < CLIENTS; i++) {
                ChaosClient client = new ChaosClient(i, cluster, KEYS, history, stop, 1000 + i);
                clients.add(client);
                Thread t = new Thread(client, "chaos-client-" + i);
                threads.add(t);
                t.start();
            }
            try {
                Thread.sleep(2_000);
                int leader = cluster.awaitLeader(Duration.ofSeconds(30));
                killAndRestart(cluster, leader);
                int newLeader = cluster.awaitLeader(Duration.ofSeconds(30));
                killAndRestart(cluster, (newLeader + 1) % cluster.size());
                Thread.sleep(1_000);
            } finally {
                stop.set(true);
                for (Thread t : threads) {
                    t.join(10_000);
                }
            }
            int completed = clients.stream().mapToInt(c -> c.completed).sum();
            assertTrue(completed > 500, "clients made too little progress: " + completed + " operations"
                    + cluster.logs());

            finalReads(cluster, history);
            assertReplicasConverge(cluster);
            assertNoAcknowledgedAuditAppendLost(cluster, clients);
            CheckResult result = LinearizabilityChecker.check(new KvModel(), history.history(),
                    Duration.ofSeconds(90));
            assertTrue(result.isOk(), result.explanation());
            System.out.printf("kill/restart with log store %s: %d operations completed, %d failed, %s%n",
                    cluster.logStore(), completed, clients.stream().mapToInt(c -> c.failed).sum(),
                    result.explanation());
        }
    }

    /**
     * Keeps the last 1000 revisions, as an etcd deployment's auto-compaction would: the history (and so every
     * snapshot) stays small, and compaction itself runs through the kills.
     */
    private static void compactPeriodically(ProcessCluster cluster, AtomicBoolean stop) {
        long compacted = 0;
        while (!stop.get()) {
            try {
                Thread.sleep(500);
                for (int i = 0; i < cluster.size(); i++) {
                    StatusResponse s = cluster.status(i);
                    long target = s == null ? 0 : s.getHeader().getRevision() - 1000;
                    if (target > compacted) {
                        KVGrpc.newBlockingStub(cluster.channel(i)).withDeadlineAfter(2, TimeUnit.SECONDS)
                                .compact(io.flotilla.kv.service.internal.proto.etcd.CompactionRequest.newBuilder()
                                        .setRevision(target).build());
                        compacted = target;
                        break;
                    }
                }
            } catch (StatusRuntimeException e) {
                // A member down or a compaction overtaken by another: try again on the next round.
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void killAndRestart(ProcessCluster cluster, int member) throws Exception {
        cluster.server(member).kill9();
        Thread.sleep(2_000);
        cluster.server(member).start();
        awaitCaughtUp(cluster, member, Duration.ofSeconds(60));
        Thread.sleep(1_000);
    }

    /** Waits until the member has applied everything the leader had committed when the wait began. */
    private static void awaitCaughtUp(ProcessCluster cluster, int member, Duration timeout) throws Exception {
        int leader = cluster.awaitLeader(timeout);
        StatusResponse leaderStatus = cluster.status(leader);
        long target = leaderStatus == null ? 0 : leaderStatus.getRaftIndex();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            StatusResponse s = cluster.status(member);
            if (s != null && s.getRaftAppliedIndex() >= target) {
                return;
            }
            Thread.sleep(50);
        }
        fail("member " + member + " did not catch up to index " + target + " within " + timeout + cluster.logs());
    }

    /** Reads every key once more, linearizably, as the history's last word (retrying until a read succeeds). */
    private static void finalReads(ProcessCluster cluster, HistoryRecorder<KvInput, KvOutput> history)
            throws InterruptedException {
        int verifier = CLIENTS;
        for (String key : KEYS) {
            boolean done = false;
            for (int attempt = 0; attempt < 30 && !done; attempt++) {
                KvInput get = KvInput.get(key);
                long handle = history.invoke(verifier, get, System.nanoTime());
                try {
                    KvOutput out = KvClientOps.execute(cluster.channel(attempt % cluster.size()), get, 2_000);
                    history.complete(handle, out, System.nanoTime());
                    done = true;
                } catch (StatusRuntimeException e) {
                    history.completeUnknown(handle);
                    Thread.sleep(100);
                }
            }
            assertTrue(done, "no final read of " + key + " succeeded" + cluster.logs());
        }
    }

    /** Every member, read locally (serializable), ends with the same records at the same revision. */
    private static void assertReplicasConverge(ProcessCluster cluster) throws InterruptedException {
        RangeRequest all = RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0}))
                .setRangeEnd(ByteString.copyFrom(new byte[] {0})).setSerializable(true).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<RangeResponse> answers = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            answers.clear();
            for (int i = 0; i < cluster.size(); i++) {
                try {
                    answers.add(KVGrpc.newBlockingStub(cluster.channel(i)).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .range(all));
                } catch (StatusRuntimeException e) {
                    answers.add(null);
                }
            }
            if (answers.stream().allMatch(a -> a != null
                    && a.getKvsList().equals(answers.get(0).getKvsList())
                    && a.getHeader().getRevision() == answers.get(0).getHeader().getRevision())) {
                assertTrue(answers.get(0).getCount() >= KEYS.size(), "the data is there: " + answers.get(0));
                return;
            }
            Thread.sleep(100);
        }
        fail("replicas did not converge within 30 s: " + answers + cluster.logs());
    }

    /**
     * The audit key only ever receives appends of unique tokens: each acknowledged token must be in its final value
     * exactly once, a token whose append failed at most once, and nothing else may be there.
     */
    private static void assertNoAcknowledgedAuditAppendLost(ProcessCluster cluster, List<ChaosClient> clients) {
        RangeResponse audit = KVGrpc.newBlockingStub(cluster.channel(0)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder().setKey(KvClientOps.bs(ChaosClient.AUDIT_KEY)).build());
        String value = audit.getKvsCount() == 0 ? "" : audit.getKvs(0).getValue().toStringUtf8();
        List<String> present = new ArrayList<>();
        Matcher m = Pattern.compile("<[0-9]+\\.[0-9]+>").matcher(value);
        while (m.find()) {
            present.add(m.group());
        }
        assertEquals(value.length(), String.join("", present).length(), "only tokens in the audit value: " + value);
        Set<String> unique = new HashSet<>(present);
        assertEquals(present.size(), unique.size(), "a token was applied twice: " + value);
        Set<String> allowed = new HashSet<>();
        int acknowledged = 0;
        for (ChaosClient c : clients) {
            for (String token : c.auditAcknowledged) {
                assertTrue(unique.contains(token), "acknowledged append " + token + " was lost");
                acknowledged++;
            }
            allowed.addAll(c.auditAcknowledged);
            allowed.addAll(c.auditUnknown);
        }
        assertTrue(allowed.containsAll(unique), "the audit value holds a token nobody appended: " + value);
        assertTrue(acknowledged > 10, "too few audit appends were acknowledged: " + acknowledged);
    }
}
