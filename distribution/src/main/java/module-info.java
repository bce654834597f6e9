/**
 * The {@code flotilla} launcher of the runtime image: one entry point ({@link io.flotilla.distribution.Main}) whose
 * {@code server} and client commands run the entry points of {@code io.flotilla.kv.service}, and whose {@code demo}
 * command starts a local three-member cluster as three server processes.
 *
 * <p>The module does not require {@code io.flotilla.kv.service}: it finds it in the boot layer at run time, so an
 * image without it still starts and says which commands it lacks. The image resolves and opens it to this module
 * with options baked in at link time (see docs/distribution.md).
 */
module io.flotilla.distribution {
    requires io.flotilla.raft.api;
    requires info.picocli;
    // The demo polls each member's etcd Maintenance.Status over gRPC (a hand-written marshaller: no generated code).
    requires io.grpc;
    requires io.grpc.stub;
    requires com.google.protobuf;

    opens io.flotilla.distribution to info.picocli;
}
