package io.flotilla.kv.service.node;

import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import java.util.concurrent.CompletableFuture;

/**
 * Hands a read to the leader's client port when this member cannot serve it itself: a linearizable read it could not
 * confirm, or any read while its own apply thread waits for a full disk. (Writes are forwarded by the Raft engine,
 * inside Raft.) The API layer provides it over gRPC; below the API layer nothing knows gRPC.
 */
public interface ReadForwarder extends AutoCloseable {

    /**
     * Asks a member to answer a read linearizably.
     *
     * @param leader        the member's client address
     * @param query         the read
     * @param timeoutMillis how long to wait
     * @return the answer; fails with a {@link io.flotilla.kv.service.mvcc.KvException} carrying etcd's error (a
     *         leadership change, a timeout, a lost connection, or the leader's own error)
     */
    CompletableFuture<QueryResult> query(HostPort leader, Query query, long timeoutMillis);

    /** Closes the connections. */
    @Override
    void close();
}
