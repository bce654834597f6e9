package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.election.CampaignRequest;
import io.flotilla.kv.service.internal.proto.election.CampaignResponse;
import io.flotilla.kv.service.internal.proto.election.ElectionGrpc;
import io.flotilla.kv.service.internal.proto.election.LeaderRequest;
import io.flotilla.kv.service.internal.proto.election.LeaderResponse;
import io.flotilla.kv.service.internal.proto.election.ResignRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrpc;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flotilla elect}: etcdctl's {@code elect}: campaigns with a proposal under a session lease and, once leader,
 * prints the leader key and the proposal, then holds leadership until interrupted (resigning on the way out); with
 * {@code --listen}, prints the leader's key and value each time they change.
 */
@Command(name = "elect", description = "Campaigns in a named election with PROPOSAL and holds leadership until "
        + "interrupted; with --listen, prints each leader.")
final class ElectCommand extends ClientCommand.Direct {

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PROPOSAL")
    String proposal;

    @Option(names = {"-l", "--listen"}, description = "Observe the election instead of campaigning.")
    boolean listen;

    @Option(names = "--ttl", defaultValue = "60", description = "Session lease TTL in seconds (default: "
            + "${DEFAULT-VALUE}, as etcdctl).")
    long ttl;

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        if (listen) {
            Iterator<LeaderResponse> leaders = ElectionGrpc.newBlockingStub(endpoints.channel(0))
                    .observe(LeaderRequest.newBuilder().setName(Keys.bytes(name)).build());
            while (leaders.hasNext()) {
                LeaderResponse l = leaders.next();
                Keys.print(out, l.getKv(), false);
                out.flush();
            }
            return 0;
        }
        if (proposal == null) {
            throw new IllegalArgumentException("elect needs a PROPOSAL, or --listen");
        }
        long lease = endpoints.write(c -> LeaseGrpc.newBlockingStub(c)
                .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build())).getID();
        try (Session session = Session.keepAlive(endpoints, lease)) { // closing it revokes the lease
            CampaignResponse won = endpoints.write(c -> ElectionGrpc.newBlockingStub(c).campaign(CampaignRequest
                    .newBuilder().setName(Keys.bytes(name)).setLease(lease).setValue(Keys.bytes(proposal)).build()));
            out.println(won.getLeader().getKey().toStringUtf8());
            out.println(proposal);
            out.flush();
            int code = session.holdUntilInterrupted();
            endpoints.write(c -> ElectionGrpc.newBlockingStub(c)
                    .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .resign(ResignRequest.newBuilder().setLeader(won.getLeader()).build()));
            return code;
        }
    }
}
