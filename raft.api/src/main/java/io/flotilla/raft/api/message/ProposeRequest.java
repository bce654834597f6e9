package io.flotilla.raft.api.message;

import io.flotilla.raft.api.NodeId;
import java.util.List;

/**
 * Follower to leader: commands proposed on the follower, for the leader to append to its log in this order (as etcd
 * raft forwards MsgProp). One message carries every proposal that arrived on the follower since it last sent one, so a
 * burst of writes costs one message, not one per write. The leader answers with a {@link ProposeResponse} naming the
 * index of the first command, and the follower's proposers wait for those entries to be applied on the follower.
 *
 * <p>Transports deliver messages at most once and usually in order, but a delayed or repeated request must never
 * append its commands twice: the leader remembers which {@code batchId}s of the follower's {@code session} it appended
 * and ignores a repeat without answering (its proposals end at their deadline, of unknown outcome).
 *
 * @param from     the follower
 * @param to       the leader it believes in
 * @param term     the follower's term; only the leader of this term appends the commands
 * @param session  chosen at random when the follower's protocol starts, so a restarted follower's batch numbers do
 *                 not look like repeats of its earlier ones
 * @param batchId  increases by one for each request the follower sends in its session
 * @param commands the commands, each as handed to {@code RaftNode.propose}
 */
public record ProposeRequest(NodeId from, NodeId to, long term, long session, long batchId, List<byte[]> commands)
        implements RaftMessage {

    /**
     * Freezes the command list (the arrays themselves are not copied: no one changes them once proposed).
     *
     * @param from see the record component
     * @param to see the record component
     * @param term see the record component
     * @param session see the record component
     * @param batchId see the record component
     * @param commands see the record component
     */
    public ProposeRequest {
        commands = List.copyOf(commands);
    }

    /** {@return the commands' total size in bytes} */
    public long bytes() {
        long sum = 0;
        for (byte[] c : commands) {
            sum += c.length;
        }
        return sum;
    }

    @Override
    public String toString() {
        return "ProposeRequest[" + from + "->" + to + " term " + term + " batch " + session + "/" + batchId + ", "
                + commands.size() + " commands]";
    }
}
