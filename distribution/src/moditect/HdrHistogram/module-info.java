// Module descriptor added to HdrHistogram (used by kv.service's bench command) by moditect at build time
// (distribution/pom.xml). From jdeps --generate-module-info --multi-release 17 --ignore-missing-deps, unchanged. The
// name is the one kv.service requires: the jar's automatic name.
module HdrHistogram {
    exports org.HdrHistogram;
    exports org.HdrHistogram.packedarray;
}
