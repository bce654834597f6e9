package io.flotilla.kv.service.coordination;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.etcd.TxnResponse;
import io.flotilla.kv.service.internal.proto.etcd.WatchCreateRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.internal.proto.mvcc.Event;
import io.flotilla.kv.service.mvcc.KeyRange;
import io.flotilla.kv.service.mvcc.KvError;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.mvcc.StatusCode;
import io.flotilla.kv.service.node.KvNode;
import io.flotilla.kv.service.watch.WatchSink;
import io.flotilla.kv.service.watch.WatchStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What etcd's client-side concurrency package does with a client (transactions, ranges sorted by create revision,
 * waiting for a key's deletion), done inside the member for the Lock and Election services, asynchronously: no
 * thread waits while a lock or a campaign does. Reads are linearizable, writes go through Raft like any client's, and
 * waits are watchers of the member's own {@link io.flotilla.kv.service.watch.WatchHub}.
 */
final class Recipes {

    private final KvNode node;

    Recipes(KvNode node) {
        this.node = node;
    }

    /** Header for a response, with the member's ids and term. */
    ResponseHeader header(long revision) {
        return node.header(revision);
    }

    CompletableFuture<TxnResponse> txn(TxnRequest r) {
        return node.write(Command.newBuilder().setTxn(r).build()).thenApply(CommandResult::getTxn);
    }

    CompletableFuture<RangeResponse> range(RangeRequest r) {
        return node.read(Query.newBuilder().setRange(r).build(), false).thenApply(QueryResult::getRange);
    }

    /** {@code prefix + "/"}: the keys of one lock or election (etcd's key prefix). */
    static ByteString prefix(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    /** The key of a lease under a prefix: etcd's {@code fmt.Sprintf("%s%x", prefix, lease)}. */
    static ByteString keyOf(ByteString prefix, long lease) {
        return prefix.concat(ByteString.copyFrom(Long.toHexString(lease), StandardCharsets.UTF_8));
    }


    /** etcd's {@code WithFirstCreate}: the key of the prefix created first (the owner, the leader). */
    static RangeRequest firstCreated(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(KeyRange.prefixEnd(prefix)).setLimit(1)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND).build();
    }

    /** etcd's {@code WithLastCreate} and {@code WithMaxCreateRev}: the newest key created at or before a revision. */
    static RangeRequest lastCreatedUpTo(ByteString prefix, long maxCreateRevision) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(KeyRange.prefixEnd(prefix)).setLimit(1)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
                .setMaxCreateRevision(maxCreateRevision).build();
    }

    static Compare createRevisionIs(ByteString key, long revision) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(revision).build();
    }

    /** An error etcd's recipes return as plain errors (gRPC code Unknown), e.g. "election: not leader". */
    static KvException plain(String message) {
        return new KvException(StatusCode.UNKNOWN, message);
    }

    /**
     * etcd's {@code waitDeletes}: completes once every key of the prefix created at or before a revision is deleted,
     * with the header of the read that found none left.
     */
    CompletableFuture<ResponseHeader> waitDeletes(ByteString prefix, long maxCreateRevision, Scope scope) {
        return scope.step(range(lastCreatedUpTo(prefix, maxCreateRevision))).thenCompose(r -> {
            if (r.getKvsCount() == 0) {
                return CompletableFuture.completedFuture(r.getHeader());
            }
            return waitDelete(r.getKvs(0).getKey(), r.getHeader().getRevision(), scope)
                    .thenCompose(deleted -> waitDeletes(prefix, maxCreateRevision, scope));
        });
    }

    /** Completes once a key that exists at {@code revision} is deleted after it. */
    CompletableFuture<Void> waitDelete(ByteString key, long revision, Scope scope) {
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        Watch w = watch(WatchCreateRequest.newBuilder().setKey(key).setStartRevision(revision), r -> {
            if (r.getCompactRevision() != 0) {
                deleted.completeExceptionally(KvError.COMPACTED.exception());
            }
            for (Event e : r.getEventsList()) {
                if (e.getType() == Event.EventType.DELETE) {
                    deleted.complete(null);
                }
            }
        }, deleted::completeExceptionally);
        deleted.whenComplete((v, f) -> w.close());
        return scope.step(deleted);
    }

    /**
     * Watches inside the member.
     *
     * @param create   what to watch
     * @param onEvents told each response, on a watch sender thread
     * @param onEnd    told if the member stops
     * @return the watch; close it
     */
    Watch watch(WatchCreateRequest.Builder create, Consumer<WatchResponse> onEvents, Consumer<Throwable> onEnd) {
        Watch w = new Watch(onEvents, onEnd);
        w.stream = node.watches().open(w);
        w.stream.handle(WatchRequest.newBuilder().setCreateRequest(create).build());
        return w;
    }

    /** A watcher of the member's own hub, whose responses go to a callback. */
    static final class Watch implements WatchSink, AutoCloseable {
        private final Consumer<WatchResponse> onEvents;
        private final Consumer<Throwable> onEnd;
        private WatchStream stream;

        private Watch(Consumer<WatchResponse> onEvents, Consumer<Throwable> onEnd) {
            this.onEvents = onEvents;
            this.onEnd = onEnd;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void send(WatchResponse response) {
            onEvents.accept(response);
        }

        @Override
        public void requestMore() {
        }

        @Override
        public void end() {
        }

        @Override
        public void fail(KvException error) {
            onEnd.accept(error);
        }

        @Override
        public void close() {
            stream.clientGone();
        }
    }
}
