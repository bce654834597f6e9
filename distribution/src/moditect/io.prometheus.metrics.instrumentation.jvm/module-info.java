// Module descriptor added to prometheus-metrics-instrumentation-jvm by moditect at build time (distribution/pom.xml, add-module-info). Generated
// with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps (the jar names only an automatic module).
module io.prometheus.metrics.instrumentation.jvm {
    requires io.prometheus.metrics.core;
    requires java.management;
    requires jdk.management;
    requires transitive io.prometheus.metrics.config;
    requires transitive io.prometheus.metrics.model;
    exports io.prometheus.metrics.instrumentation.jvm;
}
