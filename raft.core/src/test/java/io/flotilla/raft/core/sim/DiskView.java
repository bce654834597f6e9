package io.flotilla.raft.core.sim;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.core.protocol.StableLog;
import java.util.List;

/** The protocol's read-only view of a simulated member's durable log. */
record DiskView(LogStore disk) implements StableLog {

    @Override
    public long firstIndex() {
        return disk.firstIndex();
    }

    @Override
    public long lastIndex() {
        return disk.lastIndex();
    }

    @Override
    public long termAt(long index) {
        return disk.termAt(index);
    }

    @Override
    public List<LogEntry> read(long from, long to, long maxBytes) {
        return disk.read(from, to, maxBytes);
    }
}
