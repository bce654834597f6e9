package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.ClusterGrpc;
import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.Member;
import io.flotilla.kv.service.internal.proto.etcd.MemberListRequest;
import io.flotilla.kv.service.internal.proto.etcd.MoveLeaderRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusRequest;
import io.flotilla.kv.service.internal.proto.etcd.StatusResponse;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code flotilla move-leader TARGET}: hands leadership to another voter, as {@code etcdctl move-leader}: the target
 * is a member id in hex or a member name; the request goes to whichever endpoint leads (the only member that takes
 * it), found by asking each endpoint for its status.
 */
@Command(name = "move-leader", description = "Transfers leadership to another voting member (id in hex, or name). "
        + "One of --endpoints must be the current leader.")
final class MoveLeaderCommand extends ClientCommand.Direct {

    @Parameters(index = "0", paramLabel = "TARGET", description = "The member to lead: its id in hex or its name.")
    String target;

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        List<Member> members = endpoints.read(channel -> ClusterGrpc.newBlockingStub(channel)
                .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .memberList(MemberListRequest.getDefaultInstance())).getMembersList();
        Member to = members.stream().filter(m -> m.getName().equals(target) || hex(m.getID()).equals(target))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no member " + target + " (members: "
                        + members.stream().map(m -> m.getName() + "=" + hex(m.getID())).toList() + ")"));
        for (int i = 0; i < endpoints.addresses().size(); i++) {
            StatusResponse s;
            try {
                s = MaintenanceGrpc.newBlockingStub(endpoints.channel(i))
                        .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                        .status(StatusRequest.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                continue; // a member that does not answer is not the leader we need
            }
            if (s.getHeader().getMemberId() != s.getLeader()) {
                continue;
            }
            MaintenanceGrpc.newBlockingStub(endpoints.channel(i))
                    .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(to.getID()).build());
            out.println("Leadership transferred from " + hex(s.getLeader()) + " to " + hex(to.getID()));
            return 0;
        }
        spec.commandLine().getErr().println("flotilla: no leader among the endpoints " + endpoints.addresses()
                + "; list the leader's client address in --endpoints");
        spec.commandLine().getErr().flush();
        return 1;
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }
}
