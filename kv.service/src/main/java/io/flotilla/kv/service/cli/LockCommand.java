package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.LeaseGrantRequest;
import io.flotilla.kv.service.internal.proto.etcd.LeaseGrpc;
import io.flotilla.kv.service.internal.proto.lock.LockGrpc;
import io.flotilla.kv.service.internal.proto.lock.LockRequest;
import io.flotilla.kv.service.internal.proto.lock.LockResponse;
import io.flotilla.kv.service.internal.proto.lock.UnlockRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flotilla lock}: etcdctl's {@code lock}: acquires a distributed lock under a session lease kept alive while
 * held; prints the key that holds it, then holds it until interrupted, or runs a command while holding it and exits
 * with its status. The lock is released (the session's lease revoked) on the way out; a holder killed outright loses
 * it when its lease expires, after {@code --ttl} seconds.
 */
@Command(name = "lock", description = "Acquires a named lock; prints its key and holds it until interrupted, or runs "
        + "COMMAND while holding it.")
final class LockCommand extends ClientCommand.Direct {

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "COMMAND")
    List<String> command;

    @Option(names = "--ttl", defaultValue = "10", description = "Session lease TTL in seconds (default: "
            + "${DEFAULT-VALUE}, as etcdctl).")
    long ttl;

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        long lease = endpoints.write(c -> LeaseGrpc.newBlockingStub(c)
                .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build())).getID();
        try (Session session = Session.keepAlive(endpoints, lease)) { // closing it revokes the lease
            // No deadline: waiting for the lock is the point.
            LockResponse held = endpoints.write(c -> LockGrpc.newBlockingStub(c).lock(LockRequest.newBuilder()
                    .setName(Keys.bytes(name)).setLease(lease).build()));
            out.println(held.getKey().toStringUtf8());
            out.flush();
            int code = command == null || command.isEmpty() ? session.holdUntilInterrupted() : run(command);
            endpoints.write(c -> LockGrpc.newBlockingStub(c)
                    .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .unlock(UnlockRequest.newBuilder().setKey(held.getKey()).build()));
            return code;
        }
    }

    private static int run(List<String> command) {
        try {
            return new ProcessBuilder(command).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }
}
