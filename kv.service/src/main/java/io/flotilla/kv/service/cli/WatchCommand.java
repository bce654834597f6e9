package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.WatchCreateRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchGrpc;
import io.flotilla.kv.service.internal.proto.etcd.WatchRequest;
import io.flotilla.kv.service.internal.proto.etcd.WatchResponse;
import io.flotilla.kv.service.internal.proto.mvcc.Event;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flotilla watch}: prints the changes of a key, a range or a prefix as they happen (or from a past revision),
 * in etcdctl's format: the event type, then (with {@code --prev-kv}) the previous key and value, then the key and
 * value. A broken stream is resumed on the next endpoint from the revision after the last one printed, so no event is
 * printed twice or skipped.
 */
@Command(name = "watch", description = "Prints the changes of a key, a range [KEY, RANGE_END) or a prefix as they "
        + "happen: event type, key and value lines, as etcdctl does.")
final class WatchCommand extends ClientCommand.Direct {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "RANGE_END")
    String rangeEnd;

    @Option(names = "--prefix", description = "Watch every key that starts with KEY.")
    boolean prefix;

    @Option(names = "--from-key", description = "Watch every key from KEY on.")
    boolean fromKey;

    @Option(names = "--rev", paramLabel = "REV", description = "Start at this revision (default: the next change).")
    long revision;

    @Option(names = "--prev-kv", description = "Print each key's previous value before the event's.")
    boolean prevKv;

    @Option(names = "--progress-notify", description = "Ask for progress notifications (etcd's progress_notify).")
    boolean progressNotify;

    @Option(names = "--max-events", paramLabel = "N",
            description = "Exit after N events (default: watch until interrupted). Not in etcdctl.")
    long maxEvents;

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder().setKey(Keys.bytes(key))
                .setStartRevision(revision).setPrevKv(prevKv).setProgressNotify(progressNotify);
        if (prefix) {
            create.setKey(Keys.rangeStart(key)).setRangeEnd(Keys.prefixEnd(Keys.bytes(key)));
        } else if (fromKey) {
            create.setKey(Keys.rangeStart(key)).setRangeEnd(Keys.ZERO);
        } else if (rangeEnd != null) {
            create.setRangeEnd(Keys.bytes(rangeEnd));
        }
        long printed = 0;
        long next = revision;
        StatusRuntimeException failure = null;
        int failuresInARow = 0;
        for (int endpoint = 0; ; endpoint = (endpoint + 1) % endpoints.addresses().size()) {
            BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
            StreamObserver<WatchRequest> requests = WatchGrpc.newStub(endpoints.channel(endpoint))
                    .watch(new StreamObserver<>() {
                        @Override
                        public void onNext(WatchResponse r) {
                            arrivals.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            arrivals.add(t);
                        }

                        @Override
                        public void onCompleted() {
                            arrivals.add(Status.UNAVAILABLE.withDescription("the server ended the watch")
                                    .asRuntimeException());
                        }
                    });
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(create.setStartRevision(next)).build());
            try {
                while (true) {
                    Object arrival = arrivals.take();
                    if (arrival instanceof Throwable t) {
                        failure = t instanceof StatusRuntimeException s ? s : Status.fromThrowable(t)
                                .asRuntimeException();
                        break;
                    }
                    WatchResponse r = (WatchResponse) arrival;
                    failuresInARow = 0;
                    if (r.getCreated() && next == 0) {
                        next = r.getHeader().getRevision() + 1; // where a resumed stream must start
                    }
                    if (r.getCanceled()) {
                        requests.onCompleted();
                        String reason = r.getCompactRevision() != 0
                                ? "etcdserver: mvcc: required revision has been compacted" : r.getCancelReason();
                        throw Status.OUT_OF_RANGE.withDescription("watch was canceled (" + reason + ")")
                                .asRuntimeException();
                    }
                    for (Event e : r.getEventsList()) {
                        print(out, e);
                        next = e.getKv().getModRevision() + 1;
                        if (maxEvents > 0 && ++printed >= maxEvents) {
                            out.flush();
                            requests.onCompleted();
                            return 0;
                        }
                    }
                    out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
            // The stream broke (its member stopped, the network failed): resume elsewhere from the next revision.
            if (failure.getStatus().getCode() != Status.Code.UNAVAILABLE
                    || ++failuresInARow > 3 * endpoints.addresses().size()) {
                throw failure;
            }
            sleepQuietly(Math.min(1_000, 100L * failuresInARow));
        }
    }

    private void print(PrintWriter out, Event e) {
        out.println(e.getType());
        if (e.hasPrevKv()) {
            Keys.print(out, e.getPrevKv(), false);
        }
        Keys.print(out, e.getKv(), false);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
