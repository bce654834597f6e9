// Module descriptor added to grpc-protobuf-lite by moditect at build time (distribution/pom.xml, add-module-info).
// Bootstrapped with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps; then edited: annotations
// 'requires static'.
module io.grpc.protobuf.lite {
    requires transitive io.grpc;
    requires transitive com.google.protobuf;
    requires com.google.common;
    requires static jsr305;

    exports io.grpc.protobuf.lite;
}
