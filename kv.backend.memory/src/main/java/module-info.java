/**
 * The {@code memory} KV backend: keeps every table in the heap. Nothing survives the process (a backend opened again
 * starts empty); for tests and throw-away clusters. It exports nothing: it is reached through
 * {@link io.flotilla.kv.backend.Backends}.
 */
module io.flotilla.kv.backend.memory {
    requires io.flotilla.kv.backend;

    provides io.flotilla.kv.backend.BackendProvider with io.flotilla.kv.backend.memory.MemoryBackendProvider;
}
