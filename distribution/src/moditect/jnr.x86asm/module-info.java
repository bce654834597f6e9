// Module descriptor added to jnr-x86asm (used by jnr-ffi) by moditect at build time (distribution/pom.xml). From jdeps
// --generate-module-info --multi-release 17 --ignore-missing-deps, unchanged; the jar's automatic name.
module jnr.x86asm {
    exports com.kenai.jnr.x86asm;
    exports jnr.x86asm;
}
