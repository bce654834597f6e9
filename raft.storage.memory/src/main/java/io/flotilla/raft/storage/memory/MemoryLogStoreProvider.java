package io.flotilla.raft.storage.memory;

import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.LogStoreProvider;
import java.util.Set;

/**
 * Provides the {@code memory} log store. It accepts the common {@code sync} option for configuration compatibility,
 * but nothing it holds survives the process whatever its value: never use it where data must outlive a restart.
 */
public final class MemoryLogStoreProvider implements LogStoreProvider {

    /** The name to use in configuration. */
    public static final String NAME = "memory";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor). */
    public MemoryLogStoreProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LogStore open(LogStoreContext context) {
        context.requireKnownOptions(NAME, Set.of("sync"));
        context.booleanOption("sync", true);
        return new MemoryLogStore(context.node().value());
    }
}
