/** The {@code memory} log store: keeps the log in the heap. Nothing survives the process; for tests and demos. */
module io.flotilla.raft.storage.memory {
    requires transitive io.flotilla.raft.api;

    exports io.flotilla.raft.storage.memory;

    provides io.flotilla.raft.api.spi.LogStoreProvider with io.flotilla.raft.storage.memory.MemoryLogStoreProvider;
}
