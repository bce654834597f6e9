package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.etcd.CompactionRequest;
import io.flotilla.kv.service.internal.proto.etcd.CompactionResponse;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutResponse;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.etcd.TxnResponse;
import io.flotilla.kv.service.mvcc.KvStore;
import io.flotilla.kv.service.mvcc.Quota;
import io.flotilla.kv.service.mvcc.RequestValidator;
import io.flotilla.kv.service.node.KvNode;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The etcd {@code KV} service. Requests are checked before they cost a log entry; writes (and transactions that
 * write) are replicated; reads and read-only transactions are linearizable unless they ask to be serializable.
 *
 * <p>Puts and transactions that put first pass etcd's quota check ({@link KvNode#write(Command, long)}): when the
 * backend would grow past its quota they raise the NOSPACE alarm and fail with "etcdserver: mvcc: database space
 * exceeded". {@code Compact} with {@code physical} answers once this member's backend has dropped the history.
 */
public final class KvApi extends KVGrpc.KVImplBase {

    private final KvNode node;

    /**
     * Creates the service.
     *
     * @param node the member that serves it
     */
    public KvApi(KvNode node) {
        this.node = node;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        Replies.reply(() -> {
            RequestValidator.checkRange(request);
            return node.read(Query.newBuilder().setRange(request).build(), request.getSerializable());
        }, result -> {
            RangeResponse r = result.getRange();
            return r.toBuilder().setHeader(node.header(r.getHeader().getRevision())).build();
        }, observer);
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        Replies.reply(() -> {
            // etcd checks the quota first (its quota server wraps the KV server), then the request.
            CompletableFuture<CommandResult> refused = node.quotaRefusal(Quota.cost(request));
            if (refused != null) {
                return refused;
            }
            RequestValidator.checkPut(request);
            return node.write(Command.newBuilder().setPut(request).build());
        }, result -> {
            PutResponse r = result.getPut();
            return r.toBuilder().setHeader(node.header(r.getHeader().getRevision())).build();
        }, observer);
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        Replies.reply(() -> {
            RequestValidator.checkDelete(request);
            return node.write(Command.newBuilder().setDeleteRange(request).build());
        }, result -> {
            DeleteRangeResponse r = result.getDeleteRange();
            return r.toBuilder().setHeader(node.header(r.getHeader().getRevision())).build();
        }, observer);
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        Replies.reply(() -> {
            CompletableFuture<TxnResponse> refused = node.quotaRefusal(Quota.cost(request));
            if (refused != null) {
                return refused;
            }
            RequestValidator.checkTxn(request);
            if (KvStore.isReadOnly(request)) {
                // Like etcd, a transaction that only reads is served as a read, without a log entry.
                return node.read(Query.newBuilder().setTxn(request).build(), isSerializable(request))
                        .thenApply(result -> result.getTxn());
            }
            return node.write(Command.newBuilder().setTxn(request).build()).thenApply(result -> result.getTxn());
        }, r -> r.toBuilder().setHeader(node.header(r.getHeader().getRevision())).build(),
                observer);
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
        Replies.reply(() -> {
            CompletableFuture<CommandResult> compacted = node.write(Command.newBuilder().setCompaction(request).build());
            if (!request.getPhysical()) {
                return compacted;
            }
            // etcd's physical compaction: answer once this member's backend no longer holds the compacted history.
            return compacted.thenCompose(result -> node.awaitPhysicalCompaction(request.getRevision())
                    .handle((done, failure) -> result));
        }, result -> {
            CompactionResponse r = result.getCompaction();
            long revision = request.getPhysical() ? node.revision() : r.getHeader().getRevision();
            return r.toBuilder().setHeader(node.header(Math.max(revision, r.getHeader().getRevision()))).build();
        }, observer);
    }

    /** A read-only transaction is serializable when every range in it asks to be, as in etcd. */
    private static boolean isSerializable(TxnRequest r) {
        return allSerializable(r.getSuccessList()) && allSerializable(r.getFailureList());
    }

    private static boolean allSerializable(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            boolean serializable = op.hasRequestRange() ? op.getRequestRange().getSerializable()
                    : op.hasRequestTxn() && isSerializable(op.getRequestTxn());
            if (!serializable) {
                return false;
            }
        }
        return true;
    }
}
