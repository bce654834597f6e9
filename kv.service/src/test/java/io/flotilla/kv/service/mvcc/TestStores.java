package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.Backends;
import java.nio.file.Path;
import java.util.Map;

/** Stores for tests: on the {@code memory} backend unless a test asks for a directory and a backend. */
final class TestStores {

    private TestStores() {
    }

    static MvccStore memory() {
        return open("memory", Path.of("target", "unused"));
    }

    static MvccStore open(String backend, Path directory) {
        return new MvccStore(Backends.provider(backend).open(
                new BackendContext(directory, MvccStore.tables(), Map.of())));
    }

    static KvStore kv() {
        return new KvStore(memory());
    }

    static KvStateMachine stateMachine() {
        return new KvStateMachine(memory());
    }
}
