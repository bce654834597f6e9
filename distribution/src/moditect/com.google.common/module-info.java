// Module descriptor added to guava (android flavour, which grpc-java depends on) by moditect at build time
// (distribution/pom.xml, add-module-info). Bootstrapped with: jdeps --generate-module-info --multi-release 17
// --ignore-missing-deps; then edited: failureaccess 'requires transitive' (Guava's futures extend its class, and
// nothing else would resolve it); annotations 'requires static'.
module com.google.common {
    requires transitive com.google.common.util.concurrent.internal;
    requires java.logging;
    requires jdk.unsupported;
    requires static com.google.errorprone.annotations;
    requires static com.google.j2objc.annotations;
    requires static org.jspecify;

    exports com.google.common.annotations;
    exports com.google.common.base;
    exports com.google.common.base.internal;
    exports com.google.common.cache;
    exports com.google.common.collect;
    exports com.google.common.escape;
    exports com.google.common.eventbus;
    exports com.google.common.graph;
    exports com.google.common.hash;
    exports com.google.common.html;
    exports com.google.common.io;
    exports com.google.common.math;
    exports com.google.common.net;
    exports com.google.common.primitives;
    exports com.google.common.reflect;
    exports com.google.common.util.concurrent;
    exports com.google.common.xml;
    exports com.google.thirdparty.publicsuffix;
}
