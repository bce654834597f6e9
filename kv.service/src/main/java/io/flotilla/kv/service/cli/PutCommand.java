package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutResponse;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flotilla put}: writes a key. */
@Command(name = "put", description = "Writes a key; prints OK once the write is committed.")
final class PutCommand extends ClientCommand.Direct {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Option(names = "--prev-kv", description = "Also print the key's previous value.")
    boolean prevKv;

    @Option(names = "--lease", paramLabel = "ID", description = "Attach the key to a lease (hexadecimal ID, as "
            + "'flotilla lease grant' prints it).")
    String lease;

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        PutRequest request = PutRequest.newBuilder().setKey(Keys.bytes(key)).setValue(Keys.bytes(value))
                .setPrevKv(prevKv).setLease(lease == null ? 0 : LeaseCommand.parseId(lease)).build();
        PutResponse response = endpoints.write(channel -> KVGrpc.newBlockingStub(channel)
                .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS).put(request));
        out.println("OK");
        if (prevKv && response.hasPrevKv()) {
            Keys.print(out, response.getPrevKv(), false);
        }
        return 0;
    }
}
