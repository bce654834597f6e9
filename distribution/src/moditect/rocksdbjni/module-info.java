// Module descriptor added to rocksdbjni (the log store "rocksdb") by moditect at build time (distribution/pom.xml),
// to a copy of the jar without its native libraries: this platform's goes to the image's lib/, where RocksDB's
// System.loadLibrary finds it. From jdeps --generate-module-info --multi-release 17 --ignore-missing-deps, unchanged.
// The name is the jar's automatic one, which io.flotilla.raft.storage.rocksdb requires.
module rocksdbjni {
    exports org.rocksdb;
    exports org.rocksdb.util;
}
