package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.StatusRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** {@code flotilla status}: asks every endpoint for its status. */
@Command(name = "status", description = "Shows each endpoint's status: member id, version, data size, whether it "
        + "leads, Raft term, commit index, applied index, store revision. Exit code 1 if any endpoint failed.")
final class StatusCommand extends ClientCommand.Direct {

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        int code = 0;
        for (int i = 0; i < endpoints.addresses().size(); i++) {
            String endpoint = endpoints.addresses().get(i).toString();
            try {
                StatusResponse s = MaintenanceGrpc.newBlockingStub(endpoints.channel(i))
                        .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                        .status(StatusRequest.getDefaultInstance());
                long id = s.getHeader().getMemberId();
                out.println(endpoint + ", " + Long.toHexString(id) + ", " + s.getVersion() + ", " + s.getDbSize()
                        + " B, leader=" + (id == s.getLeader()) + ", term=" + s.getRaftTerm()
                        + ", index=" + s.getRaftIndex() + ", applied=" + s.getRaftAppliedIndex()
                        + ", revision=" + s.getHeader().getRevision());
            } catch (StatusRuntimeException e) {
                out.flush();
                spec.commandLine().getErr().println("flotilla: "
                        + ClientErrors.describe(e, endpoint, endpoints.timeout().toMillis()));
                spec.commandLine().getErr().flush();
                code = 1;
            }
        }
        return code;
    }
}
