// Module descriptor added to protobuf-java by moditect at build time (distribution/pom.xml, add-module-info).
// Bootstrapped with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps; then edited: nothing to
// change.
module com.google.protobuf {
    requires java.logging;
    requires jdk.unsupported;

    exports com.google.protobuf;
    exports com.google.protobuf.compiler;
}
