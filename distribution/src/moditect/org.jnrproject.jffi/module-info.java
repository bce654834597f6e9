// Module descriptor added to jffi (used by jnr-ffi) by moditect at build time (distribution/pom.xml). From jdeps
// --generate-module-info --multi-release 17 --ignore-missing-deps, then: requires org.jnrproject.jffi.nativelibs, the
// jar of native stubs (read as resources), which nothing else requires.
module org.jnrproject.jffi {
    requires transitive jdk.unsupported;
    requires java.logging;
    requires org.jnrproject.jffi.nativelibs;

    exports com.kenai.jffi;
    exports com.kenai.jffi.internal;
}
