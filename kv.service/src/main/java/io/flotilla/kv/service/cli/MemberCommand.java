package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.ClusterGrpc;
import io.flotilla.kv.service.internal.proto.etcd.Member;
import io.flotilla.kv.service.internal.proto.etcd.MemberListRequest;
import io.flotilla.kv.service.internal.proto.etcd.MemberListResponse;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code flotilla member}: membership commands; only {@code list} exists. */
@Command(name = "member", description = "Cluster membership.", subcommands = MemberCommand.ListCommand.class)
final class MemberCommand {

    @ParentCommand
    FlotillaCli parent;

    /** {@code flotilla member list}: one line per member, as etcdctl prints it. */
    @Command(name = "list", description = "Lists the members: id, status, name, peer URLs, client URLs, learner.")
    static final class ListCommand extends ClientCommand {

        @ParentCommand
        MemberCommand member;

        @Override
        FlotillaCli root() {
            return member.parent;
        }

        @Override
        int run(Endpoints endpoints, PrintWriter out) {
            MemberListResponse response = endpoints.read(channel -> ClusterGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .memberList(MemberListRequest.getDefaultInstance()));
            for (Member m : response.getMembersList()) {
                out.println(Long.toHexString(m.getID()) + ", started, " + m.getName() + ", "
                        + String.join(",", m.getPeerURLsList()) + ", " + String.join(",", m.getClientURLsList())
                        + ", " + m.getIsLearner());
            }
            return 0;
        }
    }
}
