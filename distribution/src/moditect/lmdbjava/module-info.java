// Module descriptor added to lmdbjava (the log store "lmdb") by moditect at build time (distribution/pom.xml). From
// jdeps --generate-module-info --multi-release 17 --ignore-missing-deps, then: requires lmdbjava.natives, which holds
// the native library (read as a resource through the context class loader) and which nothing else requires. The
// optional Agrona and netty buffer proxies are left out (not in the image). Launched with --add-opens
// java.base/java.nio=lmdbjava --add-exports java.base/sun.nio.ch=lmdbjava (baked into the image).
module lmdbjava {
    requires transitive org.jnrproject.ffi;
    requires org.jnrproject.constants;
    requires jdk.unsupported;
    requires lmdbjava.natives;

    exports org.lmdbjava;
}
