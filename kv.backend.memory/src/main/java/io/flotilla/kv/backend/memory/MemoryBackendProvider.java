package io.flotilla.kv.backend.memory;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.BackendProvider;
import java.util.Set;

/**
 * Provides the {@code memory} backend: every table in the heap, nothing on disk, so a backend opened again starts
 * empty. For tests and throw-away clusters. It takes no options and ignores the context's directory.
 */
public final class MemoryBackendProvider implements BackendProvider {

    /** The name to use in configuration. */
    public static final String NAME = "memory";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor). */
    public MemoryBackendProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Backend open(BackendContext context) {
        context.requireKnownOptions(NAME, Set.of());
        return new MemoryBackend(context.tables());
    }
}
