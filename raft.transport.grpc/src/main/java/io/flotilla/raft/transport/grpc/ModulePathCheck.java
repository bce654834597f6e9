package io.flotilla.raft.transport.grpc;

import io.grpc.ManagedChannel;

/**
 * Fails fast when a module gRPC needs at run time is missing from the module graph.
 *
 * <p>Guava (an automatic module under gRPC) extends a class from {@code failureaccess}, an explicit module that
 * nothing requires by name, so {@code java -p ... -m app} leaves it out unless asked to add it. gRPC then fails inside
 * its network threads and peers simply never connect; this check turns that into one clear error at creation.
 */
final class ModulePathCheck {

    private static final String FAILURE_ACCESS_CLASS =
            "com.google.common.util.concurrent.internal.InternalFutureFailureAccess";
    private static final String FAILURE_ACCESS_MODULE = "com.google.common.util.concurrent.internal";

    private ModulePathCheck() {
    }

    /**
     * Checks that gRPC's runtime dependencies can be loaded.
     *
     * @throws IllegalStateException naming the launcher flag that fixes it
     */
    static void requireGrpcRuntime() {
        try {
            Class.forName(FAILURE_ACCESS_CLASS, false, ManagedChannel.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the grpc transport cannot run: module " + FAILURE_ACCESS_MODULE
                    + " (failureaccess, needed by Guava under gRPC) is not in the module graph. Launch with"
                    + " --add-modules ALL-MODULE-PATH (or --add-modules " + FAILURE_ACCESS_MODULE + ")", e);
        }
    }
}
