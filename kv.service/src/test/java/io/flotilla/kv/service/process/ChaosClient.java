package io.flotilla.kv.service.process;

import io.flotilla.kv.service.testing.ProcessCluster;
import io.flotilla.raft.testkit.linearizability.HistoryRecorder;
import io.flotilla.raft.testkit.linearizability.KvInput;
import io.flotilla.raft.testkit.linearizability.KvOutput;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client of the kill/restart test: issues random gets, puts, appends and compare-and-sets on a few keys through
 * one member at a time, recording each operation (a failed one as "outcome unknown") for the linearizability
 * checker, and moving to the next member when one fails. It also appends unique tokens to an audit key, outside the
 * checked history, so that lost acknowledged writes can be counted directly.
 */
final class ChaosClient implements Runnable {

    static final String AUDIT_KEY = "audit";
    private static final long TIMEOUT_MILLIS = 2_000;

    private final int id;
    private final ProcessCluster cluster;
    private final List<String> keys;
    private final HistoryRecorder<KvInput, KvOutput> history;
    private final AtomicBoolean stop;
    private final SplittableRandom random;
    private final Map<String, String> lastSeen = new HashMap<>();
    /** Audit tokens whose append was acknowledged, and those whose outcome is unknown. */
    final ConcurrentLinkedQueue<String> auditAcknowledged = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> auditUnknown = new ConcurrentLinkedQueue<>();
    private int member;
    private int counter;
    int completed;
    int failed;

    ChaosClient(int id, ProcessCluster cluster, List<String> keys, HistoryRecorder<KvInput, KvOutput> history,
                AtomicBoolean stop, long seed) {
        this.id = id;
        this.cluster = cluster;
        this.keys = keys;
        this.history = history;
        this.stop = stop;
        this.random = new SplittableRandom(seed);
        this.member = id % cluster.size();
    }

    @Override
    public void run() {
        while (!stop.get()) {
            if (random.nextInt(10) == 0) {
                audit();
            } else {
                checked(nextInput());
            }
            pause(2);
        }
    }

    private KvInput nextInput() {
        String key = keys.get(random.nextInt(keys.size()));
        String unique = "c" + id + "-" + (++counter);
        int dice = random.nextInt(100);
        if (dice < 45) {
            return KvInput.get(key);
        }
        if (dice < 70) {
            return KvInput.put(key, unique);
        }
        if (dice < 85) {
            return KvInput.append(key, "+" + unique);
        }
        return KvInput.cas(key, lastSeen.getOrDefault(key, ""), unique);
    }

    private void checked(KvInput input) {
        long handle = history.invoke(id, input, System.nanoTime());
        try {
            KvOutput output = KvClientOps.execute(cluster.channel(member), input, TIMEOUT_MILLIS);
            history.complete(handle, output, System.nanoTime());
            completed++;
            if (output instanceof KvOutput.Value v) {
                lastSeen.put(input.key(), v.value());
            }
        } catch (StatusRuntimeException e) {
            history.completeUnknown(handle);
            failed();
        }
    }

    private void audit() {
        String token = "<" + id + "." + (++counter) + ">";
        try {
            KvClientOps.execute(cluster.channel(member), KvInput.append(AUDIT_KEY, token), TIMEOUT_MILLIS);
            auditAcknowledged.add(token);
        } catch (StatusRuntimeException e) {
            auditUnknown.add(token);
            failed();
        }
    }

    private void failed() {
        failed++;
        member = (member + 1) % cluster.size();
        pause(20);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
