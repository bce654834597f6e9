package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.core.protocol.StableLog;
import java.util.List;

/** Lets the protocol read the durable log from a {@link LogStore}; writes go through the event loop only. */
record StoreBackedLog(LogStore store) implements StableLog {

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
