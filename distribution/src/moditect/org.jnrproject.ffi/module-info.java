// Module descriptor added to jnr-ffi (used by lmdbjava) by moditect at build time (distribution/pom.xml). From jdeps
// --generate-module-info --multi-release 17 --ignore-missing-deps, unchanged but for the order of the requires. The
// name is the jar's Automatic-Module-Name.
module org.jnrproject.ffi {
    requires transitive org.jnrproject.jffi;
    requires transitive org.objectweb.asm;
    requires jnr.a64asm;
    requires jnr.x86asm;
    requires java.logging;

    exports jnr.ffi;
    exports jnr.ffi.annotations;
    exports jnr.ffi.byref;
    exports jnr.ffi.mapper;
    exports jnr.ffi.provider;
    exports jnr.ffi.provider.converters;
    exports jnr.ffi.provider.jffi;
    exports jnr.ffi.provider.jffi.platform.aarch64.darwin;
    exports jnr.ffi.provider.jffi.platform.aarch64.freebsd;
    exports jnr.ffi.provider.jffi.platform.aarch64.linux;
    exports jnr.ffi.provider.jffi.platform.aarch64.windows;
    exports jnr.ffi.provider.jffi.platform.arm.linux;
    exports jnr.ffi.provider.jffi.platform.i386.darwin;
    exports jnr.ffi.provider.jffi.platform.i386.freebsd;
    exports jnr.ffi.provider.jffi.platform.i386.linux;
    exports jnr.ffi.provider.jffi.platform.i386.midnightbsd;
    exports jnr.ffi.provider.jffi.platform.i386.openbsd;
    exports jnr.ffi.provider.jffi.platform.i386.solaris;
    exports jnr.ffi.provider.jffi.platform.i386.windows;
    exports jnr.ffi.provider.jffi.platform.loongarch64.linux;
    exports jnr.ffi.provider.jffi.platform.mips.linux;
    exports jnr.ffi.provider.jffi.platform.mips64.linux;
    exports jnr.ffi.provider.jffi.platform.mips64el.linux;
    exports jnr.ffi.provider.jffi.platform.mipsel.linux;
    exports jnr.ffi.provider.jffi.platform.ppc.aix;
    exports jnr.ffi.provider.jffi.platform.ppc.darwin;
    exports jnr.ffi.provider.jffi.platform.ppc.linux;
    exports jnr.ffi.provider.jffi.platform.ppc64.aix;
    exports jnr.ffi.provider.jffi.platform.ppc64.freebsd;
    exports jnr.ffi.provider.jffi.platform.ppc64.ibmi;
    exports jnr.ffi.provider.jffi.platform.ppc64.linux;
    exports jnr.ffi.provider.jffi.platform.ppc64le.linux;
    exports jnr.ffi.provider.jffi.platform.riscv64.linux;
    exports jnr.ffi.provider.jffi.platform.s390.linux;
    exports jnr.ffi.provider.jffi.platform.s390x.linux;
    exports jnr.ffi.provider.jffi.platform.sparc.solaris;
    exports jnr.ffi.provider.jffi.platform.sparcv9.linux;
    exports jnr.ffi.provider.jffi.platform.sparcv9.solaris;
    exports jnr.ffi.provider.jffi.platform.x86_64.darwin;
    exports jnr.ffi.provider.jffi.platform.x86_64.dragonfly;
    exports jnr.ffi.provider.jffi.platform.x86_64.freebsd;
    exports jnr.ffi.provider.jffi.platform.x86_64.linux;
    exports jnr.ffi.provider.jffi.platform.x86_64.midnightbsd;
    exports jnr.ffi.provider.jffi.platform.x86_64.openbsd;
    exports jnr.ffi.provider.jffi.platform.x86_64.solaris;
    exports jnr.ffi.provider.jffi.platform.x86_64.windows;
    exports jnr.ffi.types;
    exports jnr.ffi.util;
    exports jnr.ffi.util.ref;
    exports jnr.ffi.util.ref.internal;
}
