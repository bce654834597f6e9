package io.flotilla.kv.service.api;

import io.flotilla.kv.service.internal.proto.etcd.WatchGrpc;
import io.flotilla.kv.service.internal.proto.etcd.WatchRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.mvcc.KvException;
import io.flotilla.kv.service.watch.WatchHub;
import io.flotilla.kv.service.watch.WatchSink;
import io.flotilla.kv.service.watch.WatchStream;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * etcd's {@code Watch} service: each call is a {@link WatchStream} of the member's {@link WatchHub}. Flow control runs
 * both ways: responses are sent only while gRPC reports the call ready, and the client's next request is read only
 * when the stream has room for the answer (etcd blocks its receive loop the same way).
 */
public final class WatchApi extends WatchGrpc.WatchImplBase {

    private final WatchHub hub;

    /**
     * @param hub the member's watchers
     */
    public WatchApi(WatchHub hub) {
        this.hub = hub;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) responses;
        call.disableAutoRequest();
        WatchStream stream;
        try {
            stream = hub.open(new GrpcSink(call));
        } catch (KvException e) {
            call.onError(EtcdStatus.toException(e));
            return new Ignored();
        }
        call.setOnReadyHandler(stream::transportReady);
        call.setOnCancelHandler(stream::clientGone);
        call.request(1);
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchRequest request) {
                stream.handle(request);
            }

            @Override
            public void onError(Throwable t) {
                stream.clientGone();
            }

            @Override
            public void onCompleted() {
                stream.clientDone();
            }
        };
    }

    private record GrpcSink(ServerCallStreamObserver<WatchResponse> call) implements WatchSink {

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void send(WatchResponse response) {
            call.onNext(response);
        }

        @Override
        public void requestMore() {
            call.request(1);
        }

        @Override
        public void end() {
            call.onCompleted();
        }

        @Override
        public void fail(KvException error) {
            call.onError(EtcdStatus.toException(error));
        }
    }

    /** The requests of a call refused at once. */
    private static final class Ignored implements StreamObserver<WatchRequest> {
        @Override
        public void onNext(WatchRequest value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
