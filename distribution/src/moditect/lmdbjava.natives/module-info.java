// Module descriptor added to org.lmdbjava:native by moditect at build time (distribution/pom.xml). The jar's file name
// gives no valid module name ("native" is a keyword), so the build renames it lmdbjava-natives.jar first. It holds only
// org/lmdbjava/native/<platform>.so, not a package (so not encapsulated): lmdbjava reads it as a resource.
module lmdbjava.natives {
}
