package io.flotilla.kv.service.watch;

import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.mvcc.KvException;

/**
 * Where a {@link WatchStream} sends its responses: the client's stream, as the API layer provides it (so that nothing
 * here knows gRPC). {@link WatchStream} calls {@link #send}, {@link #end} and {@link #fail} from one thread at a time.
 */
public interface WatchSink {

    /** {@return whether the transport takes another response without buffering it (gRPC's flow control)} */
    boolean isReady();

    /**
     * Sends one response.
     *
     * @param response the response
     */
    void send(WatchResponse response);

    /** Asks the transport for the client's next request: the stream reads no request it is not ready for. */
    void requestMore();

    /** Ends the call normally (the client closed its side). */
    void end();

    /**
     * Ends the call with an error.
     *
     * @param error etcd's code and message
     */
    void fail(KvException error);
}
