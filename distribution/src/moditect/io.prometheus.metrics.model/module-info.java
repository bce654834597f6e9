// Module descriptor added to prometheus-metrics-model by moditect at build time (distribution/pom.xml, add-module-info). Generated
// with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps (the jar names only an automatic module).
module io.prometheus.metrics.model {
    requires transitive io.prometheus.metrics.config;
    exports io.prometheus.metrics.model.registry;
    exports io.prometheus.metrics.model.snapshots;
}
