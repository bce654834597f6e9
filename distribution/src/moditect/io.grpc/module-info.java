// Module descriptor added to grpc-api by moditect at build time (distribution/pom.xml, add-module-info). Bootstrapped
// with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps; then edited: annotation-only
// dependencies are 'requires static' (not linked); 'uses' for the providers grpc-api loads with ServiceLoader.
module io.grpc {
    requires transitive com.google.common;
    requires java.logging;
    requires static com.google.errorprone.annotations;
    requires static jsr305;

    exports io.grpc;

    // ManagedChannelRegistry, ServerRegistry, NameResolverRegistry, LoadBalancerRegistry (ServiceProviders.load).
    uses io.grpc.ManagedChannelProvider;
    uses io.grpc.ServerProvider;
    uses io.grpc.NameResolverProvider;
    uses io.grpc.LoadBalancerProvider;
}
