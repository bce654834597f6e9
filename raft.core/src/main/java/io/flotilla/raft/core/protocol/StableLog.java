package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.spi.LogStore;
import java.util.List;

/**
 * The read-only view of the durable log that the protocol consults. The runtime backs it with the
 * {@link io.flotilla.raft.api.spi.LogStore}; the protocol never writes through it — writes leave the protocol as
 * effects ({@link Ready#entriesToPersist()}) and come back as acknowledgements ({@link RaftProtocol#persisted}).
 * Reading here is synchronous, as in etcd's raft: it keeps the protocol a plain function of its inputs.
 */
public interface StableLog {

    /** Returns the first index held (see {@link io.flotilla.raft.api.spi.LogStore#firstIndex()}). */
    long firstIndex();

    /** Returns the last index held. */
    long lastIndex();

    /**
     * Returns the term at {@code index}, from {@code firstIndex() - 1} to {@code lastIndex()}.
     *
     * @param index the index
     * @return the term
     */
    long termAt(long index);

    /**
     * Reads {@code [from, to)} within a payload budget; at least one entry if the range is not empty.
     *
     * @param from     first index
     * @param to       one past the last index
     * @param maxBytes payload budget
     * @return the entries
     */
    List<LogEntry> read(long from, long to, long maxBytes);

    /**
     * Returns the read-only view of a log store (its reading methods have the same meaning).
     *
     * @param store the member's log store
     * @return the view
     */
    static StableLog over(LogStore store) {
        return new StableLog() {
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
        };
    }
}
