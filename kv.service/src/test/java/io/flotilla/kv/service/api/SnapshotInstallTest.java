package io.flotilla.kv.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.testing.TestCluster;
import io.flotilla.raft.api.RaftOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that missed more than the leader keeps in its log is brought up to date with a snapshot of the MVCC
 * state, taken and installed by the engine through the state machine: afterwards it answers exactly like the others,
 * history and compaction point included.
 */
class SnapshotInstallTest {

    @TempDir
    Path data;

    private static final RaftOptions SNAPSHOT_OFTEN = TestCluster.FAST.toBuilder().snapshotEntries(20, 5)
            .snapshotSizeRatio(0).build();

    private static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    @Test
    void aRestartedEmptyMemberCatchesUpFromASnapshot() throws InterruptedException {
        try (TestCluster cluster = TestCluster.start(3, data, SNAPSHOT_OFTEN)) {
            int leader = cluster.awaitLeader(Duration.ofSeconds(10));
            int lagging = cluster.aFollower(leader);
            cluster.stopMember(lagging);
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(cluster.channel(leader));
            for (int i = 0; i < 200; i++) {
                kv.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                        .setKey(bs("k" + (i % 7))).setValue(bs("v" + i)).build());
            }
            kv.withDeadlineAfter(5, TimeUnit.SECONDS).compact(CompactionRequest.newBuilder().setRevision(150).build());

            cluster.startMember(lagging); // the memory store comes back empty: only a snapshot can catch it up
            cluster.awaitLeader(Duration.ofSeconds(10));
            for (RangeRequest query : new RangeRequest[] {
                    RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build(),
                    RangeRequest.newBuilder().setKey(bs("k3")).setRevision(160).build(),
                    RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).setRevision(150).build()}) {
                RangeResponse expected = KVGrpc.newBlockingStub(cluster.channel(leader))
                        .withDeadlineAfter(5, TimeUnit.SECONDS).range(query);
                RangeResponse actual = awaitSame(cluster, lagging, query.toBuilder().setSerializable(true).build(),
                        expected);
                assertEquals(expected.getKvsList(), actual.getKvsList());
                assertEquals(expected.getCount(), actual.getCount());
            }
        }
    }

    /** Serializable reads on the lagging member, repeated until it has applied what the leader answered. */
    private static RangeResponse awaitSame(TestCluster cluster, int member, RangeRequest query, RangeResponse expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        RangeResponse actual;
        do {
            try {
                actual = KVGrpc.newBlockingStub(cluster.channel(member)).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .range(query);
            } catch (io.grpc.StatusRuntimeException notYet) {
                actual = null; // e.g. "compacted": the member has not reached the compaction point yet
            }
            if (actual != null && actual.getKvsList().equals(expected.getKvsList())) {
                return actual;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return actual == null ? RangeResponse.getDefaultInstance() : actual;
    }
}
