// Module descriptor added to grpc-stub by moditect at build time (distribution/pom.xml, add-module-info). Bootstrapped
// with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps; then edited: annotations 'requires
// static'.
module io.grpc.stub {
    requires transitive io.grpc;
    requires com.google.common;
    requires java.logging;
    requires static com.google.errorprone.annotations;
    requires static jsr305;

    exports io.grpc.stub;
    exports io.grpc.stub.annotations;
}
