package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.spi.LogStore;
import java.util.List;

/** Lets a {@link RaftProtocol} read a {@link LogStore} (the tests' MemoryLogStore) as its {@link StableLog}. */
record StoreLog(LogStore store) implements StableLog {

    @Override
    public long firstIndex() {
        return store.firstIndex();
    }

    @Override
    public long lastIndex() {
        return store.lastIndex();
    }

    @Override
    public long termAt(long index) {
        return store.termAt(index);
    }

    @Override
    public List<LogEntry> read(long from, long to, long maxBytes) {
        return store.read(from, to, maxBytes);
    }
}
