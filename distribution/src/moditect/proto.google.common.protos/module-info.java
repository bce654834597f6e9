// Module descriptor added to proto-google-common-protos (com.google.rpc.Status and friends, used by grpc-protobuf) by
// moditect at build time (distribution/pom.xml, add-module-info). Bootstrapped with: jdeps --generate-module-info
// --multi-release 17 --ignore-missing-deps; then edited: the name stays the one the jar gets as an automatic module.
module proto.google.common.protos {
    requires transitive com.google.protobuf;

    exports com.google.api;
    exports com.google.apps.card.v1;
    exports com.google.cloud;
    exports com.google.cloud.audit;
    exports com.google.cloud.location;
    exports com.google.geo.type;
    exports com.google.logging.type;
    exports com.google.longrunning;
    exports com.google.rpc;
    exports com.google.rpc.context;
    exports com.google.shopping.type;
    exports com.google.type;
}
