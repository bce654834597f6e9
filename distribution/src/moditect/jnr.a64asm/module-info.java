// Module descriptor added to jnr-a64asm (used by jnr-ffi) by moditect at build time (distribution/pom.xml). From jdeps
// --generate-module-info --multi-release 17 --ignore-missing-deps, unchanged; the jar's automatic name.
module jnr.a64asm {
    exports jnr.a64asm;
}
