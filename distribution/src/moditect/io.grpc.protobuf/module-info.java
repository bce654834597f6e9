// Module descriptor added to grpc-protobuf by moditect at build time (distribution/pom.xml, add-module-info).
// Bootstrapped with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps; then edited: annotations
// 'requires static'.
module io.grpc.protobuf {
    requires transitive io.grpc;
    requires transitive com.google.protobuf;
    requires transitive proto.google.common.protos;
    requires io.grpc.protobuf.lite;
    requires com.google.common;
    requires static com.google.errorprone.annotations;
    requires static jsr305;

    exports io.grpc.protobuf;
}
