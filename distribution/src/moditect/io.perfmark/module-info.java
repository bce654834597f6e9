// Module descriptor added to perfmark-api by moditect at build time (distribution/pom.xml, add-module-info).
// Bootstrapped with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps; then edited: annotations
// 'requires static'.
module io.perfmark {
    requires static com.google.errorprone.annotations;

    exports io.perfmark;
}
