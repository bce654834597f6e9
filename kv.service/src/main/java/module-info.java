/**
 * Flotilla's replicated key-value store: an etcd v3 compatible gRPC server (KV, Watch, Lease, Lock, Election,
 * Cluster.MemberList, Maintenance, plus Flotilla's Extension.Append) whose state is an MVCC store kept in an on-disk backend (found through
 * {@link io.flotilla.kv.backend.Backends}) and replicated by a Raft engine (found through
 * {@link io.flotilla.raft.api.spi.Plugins}); the server entry point and the {@code flotilla} CLI.
 *
 * <p>Nothing is exported for compilation: the module is an application. Generated protobuf packages are exported to
 * the protobuf runtime, which reads them reflectively; configuration and command classes are opened to Jackson and
 * picocli.
 */
module io.flotilla.kv.service {
    requires io.flotilla.raft.api;
    requires io.flotilla.kv.backend;
    requires com.google.protobuf;
    requires com.google.common;
    requires io.grpc;
    requires io.grpc.stub;
    requires io.grpc.protobuf;
    requires io.grpc.netty.shaded;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires info.picocli;
    requires org.slf4j;
    requires ch.qos.logback.classic; // the backend, configured at start (ops.Logging)
    requires ch.qos.logback.core;
    requires HdrHistogram; // automatic module, named after its jar
    requires io.prometheus.metrics.config;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.metrics.instrumentation.jvm;
    requires io.prometheus.writer.text;
    requires jdk.httpserver; // /health, /version and /metrics

    // grpc-java and netty are automatic modules that require java.base only; these JDK modules are what they use at
    // run time, so requiring them here spares every launcher an --add-modules.
    requires java.logging;
    requires jdk.unsupported;
    requires java.naming;

    exports io.flotilla.kv.service.internal.proto.etcd to com.google.protobuf;
    exports io.flotilla.kv.service.internal.proto.mvcc to com.google.protobuf;
    exports io.flotilla.kv.service.internal.proto.ext to com.google.protobuf;
    exports io.flotilla.kv.service.internal.proto.command to com.google.protobuf;
    exports io.flotilla.kv.service.internal.proto.lock to com.google.protobuf;
    exports io.flotilla.kv.service.internal.proto.election to com.google.protobuf;
    exports io.flotilla.kv.service.internal.proto.health to com.google.protobuf;

    // Jackson fills the configuration classes, picocli the command classes, both by reflection.
    opens io.flotilla.kv.service.config to com.fasterxml.jackson.databind;
    opens io.flotilla.kv.service.main to info.picocli;
    opens io.flotilla.kv.service.cli to info.picocli;
}
