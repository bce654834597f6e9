package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrpc;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseKeepAliveResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseLeasesRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseLeasesResponse;
import io.flotilla.kv.service.internal.proto.etcd.LeaseRevokeRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseStatus;
import io.flotilla.kv.service.internal.proto.etcd.LeaseTimeToLiveRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseTimeToLiveResponse;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code flotilla lease}: etcdctl's lease commands, with its output; lease IDs in hexadecimal, as etcdctl prints them. */
@Command(name = "lease", description = "Leases: keys attached to one are deleted when it expires or is revoked.",
        subcommands = {LeaseCommand.Grant.class, LeaseCommand.Revoke.class, LeaseCommand.KeepAlive.class,
                LeaseCommand.TimeToLive.class, LeaseCommand.ListLeases.class})
final class LeaseCommand {

    @ParentCommand
    FlotillaCli parent;

    static String hex(long id) {
        return String.format("%016x", id);
    }

    static long parseId(String text) {
        try {
            return Long.parseUnsignedLong(text, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad lease ID '" + text + "': expected hexadecimal, as etcdctl prints");
        }
    }

    private static LeaseGrpc.LeaseBlockingStub stub(ManagedChannel channel, Endpoints endpoints) {
        return LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(endpoints.timeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The subcommands find the root through this. */
    abstract static class Sub extends ClientCommand {
        @ParentCommand
        LeaseCommand lease;

        @Override
        FlotillaCli root() {
            return lease.parent;
        }
    }

    /** {@code flotilla lease grant TTL}. */
    @Command(name = "grant", description = "Grants a lease of TTL seconds; prints its ID.")
    static final class Grant extends Sub {
        @Parameters(index = "0", paramLabel = "TTL")
        long ttl;

        @Override
        int run(Endpoints endpoints, PrintWriter out) {
            LeaseGrantResponse r = endpoints.write(c -> stub(c, endpoints)
                    .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()));
            out.println("lease " + hex(r.getID()) + " granted with TTL(" + r.getTTL() + "s)");
            return 0;
        }
    }

    /** {@code flotilla lease revoke ID}. */
    @Command(name = "revoke", description = "Revokes a lease: its keys are deleted.")
    static final class Revoke extends Sub {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        int run(Endpoints endpoints, PrintWriter out) {
            long lease = parseId(id);
            endpoints.write(c -> stub(c, endpoints).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build()));
            out.println("lease " + hex(lease) + " revoked");
            return 0;
        }
    }

    /** {@code flotilla lease timetolive ID [--keys]}. */
    @Command(name = "timetolive", description = "Shows a lease's granted and remaining TTL (and its keys).")
    static final class TimeToLive extends Sub {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--keys", description = "Also list the keys attached to the lease.")
        boolean keys;

        @Override
        int run(Endpoints endpoints, PrintWriter out) {
            long lease = parseId(id);
            LeaseTimeToLiveResponse r = endpoints.read(c -> stub(c, endpoints).leaseTimeToLive(
                    LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(keys).build()));
            if (r.getTTL() == -1) {
                out.println("lease " + hex(lease) + " already expired");
                return 0;
            }
            String line = "lease " + hex(lease) + " granted with TTL(" + r.getGrantedTTL() + "s), remaining("
                    + r.getTTL() + "s)";
            if (keys) {
                line += ", attached keys([" + r.getKeysList().stream().map(ByteString::toStringUtf8)
                        .collect(Collectors.joining(" ")) + "])";
            }
            out.println(line);
            return 0;
        }
    }

    /** {@code flotilla lease list}. */
    @Command(name = "list", description = "Lists the leases.")
    static final class ListLeases extends Sub {
        @Override
        int run(Endpoints endpoints, PrintWriter out) {
            LeaseLeasesResponse r = endpoints.read(c -> stub(c, endpoints)
                    .leaseLeases(LeaseLeasesRequest.getDefaultInstance()));
            out.println("found " + r.getLeasesCount() + " leases");
            for (LeaseStatus l : r.getLeasesList()) {
                out.println(hex(l.getID()));
            }
            return 0;
        }
    }

    /** {@code flotilla lease keep-alive ID [--once]}: renews every third of the TTL until interrupted. */
    @Command(name = "keep-alive", description = "Keeps a lease alive (renews it every third of its TTL) until "
            + "interrupted, or once with --once.")
    static final class KeepAlive extends Sub {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--once", description = "Renew once and exit.")
        boolean once;

        @Override
        int run(Endpoints endpoints, PrintWriter out) {
            long lease = parseId(id);
            for (int endpoint = 0, failures = 0; ; endpoint = (endpoint + 1) % endpoints.addresses().size()) {
                BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
                StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(endpoints.channel(endpoint))
                        .leaseKeepAlive(new StreamObserver<>() {
                            @Override
                            public void onNext(LeaseKeepAliveResponse r) {
                                answers.add(r);
                            }

                            @Override
                            public void onError(Throwable t) {
                                answers.add(t);
                            }

                            @Override
                            public void onCompleted() {
                                answers.add(Status.UNAVAILABLE.withDescription("the server ended the stream")
                                        .asRuntimeException());
                            }
                        });
                try {
                    while (true) {
                        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
                        Object answer = answers.poll(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS);
                        if (!(answer instanceof LeaseKeepAliveResponse r)) {
                            requests.onCompleted();
                            if (++failures > 3 * endpoints.addresses().size()) {
                                throw answer instanceof Throwable t ? Status.fromThrowable(t).asRuntimeException()
                                        : Status.DEADLINE_EXCEEDED.asRuntimeException();
                            }
                            break; // try the next endpoint
                        }
                        failures = 0;
                        if (r.getTTL() <= 0) {
                            requests.onCompleted();
                            out.println("lease " + hex(lease) + " expired or revoked.");
                            out.flush();
                            return once ? 1 : 0;
                        }
                        out.println("lease " + hex(lease) + " keepalived with TTL(" + r.getTTL() + ")");
                        out.flush();
                        if (once) {
                            requests.onCompleted();
                            return 0;
                        }
                        Thread.sleep(Math.max(500, r.getTTL() * 1000 / 3));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 1;
                }
            }
        }
    }
}
