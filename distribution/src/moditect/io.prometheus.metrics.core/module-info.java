// Module descriptor added to prometheus-metrics-core by moditect at build time (distribution/pom.xml, add-module-info). Generated
// with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps (the jar names only an automatic module).
module io.prometheus.metrics.core {
    requires io.prometheus.metrics.tracer.initializer;
    requires transitive io.prometheus.metrics.config;
    requires transitive io.prometheus.metrics.model;
    requires transitive io.prometheus.metrics.tracer.common;
    exports io.prometheus.metrics.core.datapoints;
    exports io.prometheus.metrics.core.exemplars;
    exports io.prometheus.metrics.core.metrics;
    exports io.prometheus.metrics.core.util;
}
