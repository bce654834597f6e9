// Module descriptor added to jffi's native jar (classifier "native") by moditect at build time (distribution/pom.xml).
// It holds only jni/<platform>/libjffi-*.so, not packages (so not encapsulated): jffi reads them as resources.
module org.jnrproject.jffi.nativelibs {
}
