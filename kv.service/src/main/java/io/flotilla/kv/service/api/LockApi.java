package io.flotilla.kv.service.api;

import io.flotilla.kv.service.coordination.Cancellable;
import io.flotilla.kv.service.coordination.Locks;
import io.flotilla.kv.service.internal.proto.lock.LockGrpc;
import io.flotilla.kv.service.internal.proto.lock.LockRequest;
import io.flotilla.kv.service.internal.proto.lock.LockResponse;
import io.flotilla.kv.service.internal.proto.lock.UnlockRequest;
import io.flotilla.kv.service.internal.proto.lock.UnlockResponse;
import io.flotilla.kv.service.node.KvNode;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** etcd's {@code v3lockpb.Lock} service: a lock call waits (without a thread) until the lock is held. */
public final class LockApi extends LockGrpc.LockImplBase {

    private final Locks locks;

    /**
     * @param node the member that serves it
     */
    public LockApi(KvNode node) {
        this.locks = new Locks(node);
    }

    @Override
    public void lock(LockRequest request, StreamObserver<LockResponse> observer) {
        Cancellable<LockResponse> waiting = locks.lock(request);
        ((ServerCallStreamObserver<LockResponse>) observer).setOnCancelHandler(waiting::cancel);
        Replies.reply(waiting::result, r -> r, observer);
    }

    @Override
    public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> observer) {
        Replies.reply(() -> locks.unlock(request), r -> r, observer);
    }
}
