package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.ReadIndexRequest;
import io.flotilla.raft.api.message.ReadIndexResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linearizable reads a follower forwards to the leader for their read index (thesis §6.4 follower reads). One
 * ReadIndexRequest carries every read that arrived since the protocol's last {@link RaftProtocol#ready()}: the
 * leader's answer (a commit index confirmed after they all arrived) serves each of them, so a burst of reads costs
 * one round trip, not one message pair per read. Not thread-safe: owned by the {@link RaftProtocol}.
 */
final class ReadForwarding {

    /** Reads sent, by the id of the ReadIndexRequest that carried them. */
    private final Map<Long, List<Long>> inFlight = new TreeMap<>();
    /** Reads waiting for the next {@link #send} to go to the leader in one ReadIndexRequest. */
    private final List<Long> queued = new ArrayList<>();
    private long nextBatch;

    void queue(long requestId) {
        queued.add(requestId);
    }

    /**
     * Sends the queued reads to {@code leader} as one request; if this member leads now or knows no leader (leadership
     * moved while they waited), fails them so the caller retries.
     */
    void send(NodeId self, NodeId leader, long term, boolean leading, List<RaftMessage> sendNow,
              List<Ready.ReadFailed> failed) {
        if (queued.isEmpty()) {
            return;
        }
        if (leading || leader == null) {
            queued.forEach(id -> failed.add(new Ready.ReadFailed(id, leader)));
        } else {
            long batch = nextBatch++;
            inFlight.put(batch, List.copyOf(queued));
            sendNow.add(new ReadIndexRequest(self, leader, term, batch));
        }
        queued.clear();
    }

    /** The leader answered a request: its reads are ready at the confirmed index, or fail. */
    void answered(ReadIndexResponse resp, NodeId leader, List<Ready.ReadReady> ready, List<Ready.ReadFailed> failed) {
        List<Long> batch = inFlight.remove(resp.requestId());
        if (batch == null) {
            return;
        }
        for (long id : batch) {
            if (resp.success()) {
                ready.add(new Ready.ReadReady(id, resp.readIndex()));
            } else {
                failed.add(new Ready.ReadFailed(id, leader));
            }
        }
    }

    /** Leadership changed: every read queued or sent fails, so its caller retries. */
    void failAll(List<Ready.ReadFailed> failed) {
        inFlight.values().forEach(batch -> batch.forEach(id -> failed.add(new Ready.ReadFailed(id, null))));
        inFlight.clear();
        queued.forEach(id -> failed.add(new Ready.ReadFailed(id, null)));
        queued.clear();
    }
}
