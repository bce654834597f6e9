package io.flotilla.kv.backend.memory;

import io.flotilla.kv.backend.Table;
import java.util.TreeMap;

/** A table of the {@code memory} backend: its name and its current map. */
final class MemoryTable implements Table {

    private final String name;
    final MemoryBackend owner;
    /** The map commits change; replaced by a copy when views or cursors read it. Guarded by the owner's lock. */
    MemoryBackend.Generation current = new MemoryBackend.Generation(new TreeMap<>(MemoryBackend.ORDER));

    MemoryTable(String name, MemoryBackend owner) {
        this.name = name;
        this.owner = owner;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
