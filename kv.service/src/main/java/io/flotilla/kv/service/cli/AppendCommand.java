package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendResponse;
import io.flotilla.kv.service.internal.proto.ext.ExtensionGrpc;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code flotilla append}: appends to a key's value atomically (Flotilla extension). */
@Command(name = "append", description = "Appends VALUE to the key's value in one atomic step (creating the key if "
        + "missing); prints the revision it made and the new value.")
final class AppendCommand extends ClientCommand.Direct {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        AppendRequest request = AppendRequest.newBuilder().setKey(Keys.bytes(key)).setValue(Keys.bytes(value))
                .build();
        AppendResponse response = endpoints.write(channel -> ExtensionGrpc.newBlockingStub(channel)
                .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS).append(request));
        out.println("OK revision " + response.getHeader().getRevision());
        out.println(response.getKv().getValue().toStringUtf8());
        return 0;
    }
}
