package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flotilla get}: reads a key, a range or a prefix, now or at an earlier revision. */
@Command(name = "get", description = "Reads a key, a range [KEY, RANGE_END) or a prefix; prints key and value lines.")
final class GetCommand extends ClientCommand.Direct {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "RANGE_END")
    String rangeEnd;

    @Option(names = "--prefix", description = "Read every key that starts with KEY.")
    boolean prefix;

    @Option(names = "--from-key", description = "Read every key from KEY on.")
    boolean fromKey;

    @Option(names = "--rev", paramLabel = "REV", description = "Read at this revision (default: the newest).")
    long revision;

    @Option(names = "--limit", paramLabel = "N", description = "Return at most N keys.")
    long limit;

    @Option(names = "--keys-only", description = "Print keys without values.")
    boolean keysOnly;

    @Option(names = "--count-only", description = "Print only how many keys match.")
    boolean countOnly;

    @Option(names = "--consistency", paramLabel = "l|s", defaultValue = "l",
            description = "l: linearizable (default); s: serializable, answered by the member alone.")
    String consistency;

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        RangeRequest.Builder request = RangeRequest.newBuilder()
                .setKey(Keys.bytes(key))
                .setRevision(revision)
                .setLimit(limit)
                .setKeysOnly(keysOnly)
                .setCountOnly(countOnly)
                .setSerializable("s".equals(consistency));
        if (prefix) {
            request.setKey(Keys.rangeStart(key)).setRangeEnd(Keys.prefixEnd(Keys.bytes(key)));
        } else if (fromKey) {
            request.setKey(Keys.rangeStart(key)).setRangeEnd(Keys.ZERO);
        } else if (rangeEnd != null) {
            request.setRangeEnd(Keys.bytes(rangeEnd));
        }
        RangeResponse response = endpoints.read(channel -> KVGrpc.newBlockingStub(channel)
                .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .range(request.build()));
        if (countOnly) {
            out.println(response.getCount());
            return 0;
        }
        for (KeyValue kv : response.getKvsList()) {
            Keys.print(out, kv, keysOnly);
        }
        return 0;
    }
}
