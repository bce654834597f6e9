/**
 * JMH benchmarks of the log stores (append latency and throughput per batch size and entry size, sync on) and of the
 * fsync floor of the machine. Built into a runnable jar ({@code target/benchmarks.jar}); JMH runs it on the class
 * path, so this descriptor matters for compilation and for the project's rule that every module is named.
 */
open module io.flotilla.raft.storage.bench {
    requires io.flotilla.raft.api;
    requires io.flotilla.raft.storage.memory;
    requires io.flotilla.raft.storage.rocksdb;
    requires io.flotilla.raft.storage.lmdb;
    requires jmh.core;
}
