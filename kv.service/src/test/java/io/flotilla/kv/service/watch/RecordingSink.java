package io.flotilla.kv.service.watch;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.mvcc.KvException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A client of a watch stream in tests: records what it is sent; can stop reading, like a slow client. */
final class RecordingSink implements WatchSink {

    final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    volatile boolean ready = true;
    volatile boolean ended;
    volatile KvException failure;
    WatchStream stream;

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public void send(WatchResponse response) {
        responses.add(response);
    }

    @Override
    public void requestMore() {
    }

    @Override
    public void end() {
        ended = true;
    }

    @Override
    public void fail(KvException error) {
        failure = error;
    }

    /** Starts reading again, as gRPC's on-ready handler would. */
    void resume() {
        ready = true;
        stream.transportReady();
    }

    WatchResponse next() throws InterruptedException {
        WatchResponse r = responses.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "no watch response within 10 s");
        return r;
    }
}
