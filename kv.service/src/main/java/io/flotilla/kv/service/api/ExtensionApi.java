package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.command.Command;
import io.flotilla.kv.service.internal.proto.command.CommandResult;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendResponse;
import io.flotilla.kv.service.internal.proto.ext.ExtensionGrpc;
import io.flotilla.kv.service.mvcc.Quota;
import io.flotilla.kv.service.mvcc.RequestValidator;
import io.flotilla.kv.service.node.KvNode;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** Flotilla's {@code flotilla.kv.v1.Extension} service: atomic Append. */
public final class ExtensionApi extends ExtensionGrpc.ExtensionImplBase {

    private final KvNode node;

    /**
     * Creates the service.
     *
     * @param node the member that serves it
     */
    public ExtensionApi(KvNode node) {
        this.node = node;
    }

    @Override
    public void append(AppendRequest request, StreamObserver<AppendResponse> observer) {
        Replies.reply(() -> {
            CompletableFuture<CommandResult> refused = node.quotaRefusal(Quota.cost(request));
            if (refused != null) {
                return refused; // as a put: an append grows the store
            }
            RequestValidator.checkAppend(request);
            return node.write(Command.newBuilder().setAppend(request).build());
        }, result -> {
            AppendResponse r = result.getAppend();
            return r.toBuilder().setHeader(node.header(r.getHeader().getRevision())).build();
        }, observer);
    }
}
