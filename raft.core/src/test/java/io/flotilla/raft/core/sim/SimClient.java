package io.flotilla.raft.core.sim;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.testkit.linearizability.KvInput;

/** A simulated closed-loop client: one operation at a time, sent to the member it believes leads. */
final class SimClient {

    /** One operation as the client issued it; reads say whether they use the leader lease. */
    record Op(SimClient client, long seq, KvInput input, long callTime, boolean lease) {
    }

    final int id;
    NodeId target;
    Op current;
    long seq;
    boolean stopped;

    SimClient(int id, NodeId target) {
        this.id = id;
        this.target = target;
    }
}
