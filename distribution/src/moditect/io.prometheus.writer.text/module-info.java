// Module descriptor added to prometheus-metrics-exposition-textformats by moditect at build time (distribution/pom.xml, add-module-info). Generated
// with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps (the jar names only an automatic module).
module io.prometheus.writer.text {
    requires transitive io.prometheus.metrics.config;
    requires transitive io.prometheus.metrics.model;
    exports io.prometheus.metrics.expositionformats;
}
