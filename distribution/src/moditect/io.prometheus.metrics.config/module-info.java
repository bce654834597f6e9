// Module descriptor added to prometheus-metrics-config by moditect at build time (distribution/pom.xml, add-module-info). Generated
// with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps (the jar names only an automatic module).
module io.prometheus.metrics.config {
    exports io.prometheus.metrics.config;
}
