package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flotilla del}: deletes a key, a range or a prefix. */
@Command(name = "del", description = "Deletes a key, a range [KEY, RANGE_END) or a prefix; prints how many.")
final class DelCommand extends ClientCommand.Direct {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "RANGE_END")
    String rangeEnd;

    @Option(names = "--prefix", description = "Delete every key that starts with KEY.")
    boolean prefix;

    @Option(names = "--prev-kv", description = "Also print what was deleted.")
    boolean prevKv;

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        DeleteRangeRequest.Builder request = DeleteRangeRequest.newBuilder().setKey(Keys.bytes(key))
                .setPrevKv(prevKv);
        if (prefix) {
            request.setKey(Keys.rangeStart(key)).setRangeEnd(Keys.prefixEnd(Keys.bytes(key)));
        } else if (rangeEnd != null) {
            request.setRangeEnd(Keys.bytes(rangeEnd));
        }
        DeleteRangeResponse response = endpoints.write(channel -> KVGrpc.newBlockingStub(channel)
                .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .deleteRange(request.build()));
        out.println(response.getDeleted());
        for (KeyValue kv : response.getPrevKvsList()) {
            Keys.print(out, kv, false);
        }
        return 0;
    }
}
