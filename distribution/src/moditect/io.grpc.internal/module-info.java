// Module descriptor added to grpc-core by moditect at build time (distribution/pom.xml, add-module-info). Bootstrapped
// with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps; then edited: annotations 'requires
// static'; 'provides' from META-INF/services.
module io.grpc.internal {
    requires transitive io.grpc;
    requires transitive com.google.common;
    requires com.google.gson;
    requires io.perfmark;
    requires java.logging;
    requires java.naming;
    requires static com.google.errorprone.annotations;
    requires static jsr305;

    exports io.grpc.internal;

    provides io.grpc.LoadBalancerProvider with io.grpc.internal.PickFirstLoadBalancerProvider;
    provides io.grpc.NameResolverProvider with io.grpc.internal.DnsNameResolverProvider;
}
