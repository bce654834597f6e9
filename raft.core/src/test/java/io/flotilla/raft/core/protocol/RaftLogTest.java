package io.flotilla.raft.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.storage.memory.MemoryLogStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The protocol's view of the log: an in-memory tail over the durable log, and what it keeps in memory. */
class RaftLogTest {

    private final MemoryLogStore store = new MemoryLogStore("t");
    /** Reads that reached the log store (each one is a read, decode and checksum in a real store). */
    private int storeReads;
    private final StableLog stable = new StableLog() {
        private final StableLog over = StableLog.over(store);

        @Override
        public long firstIndex() {
            return over.firstIndex();
        }

        @Override
        public long lastIndex() {
            return over.lastIndex();
        }

        @Override
        public long termAt(long index) {
            return over.termAt(index);
        }

        @Override
        public List<LogEntry> read(long from, long to, long maxBytes) {
            storeReads++;
            return over.read(from, to, maxBytes);
        }
    };
    private final RaftLog log = new RaftLog(stable);

    private static List<LogEntry> entries(long from, long to, long term, int size) {
        List<LogEntry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(LogEntry.command(i, term, new byte[size]));
        }
        return out;
    }

    /** Appends, writes what the log hands out, and acknowledges it, as the runtime does. */
    private void appendDurably(List<LogEntry> entries) {
        log.append(entries);
        List<LogEntry> written = log.takeUnhanded();
        store.write(null, written);
        LogEntry last = written.get(written.size() - 1);
        log.persisted(last.index(), last.term());
    }

    @Test
    void durableEntriesAreServedFromMemoryUntilReleasedThenFromTheStore() {
        appendDurably(entries(1, 3, 1, 10));
        assertEquals(3, log.durableIndex());

        assertEquals(entries(1, 3, 1, 10), log.entries(1, 4, Long.MAX_VALUE));
        assertEquals(0, storeReads, "committed entries were read back from the log store");

        log.release(2); // handed to the state machine
        assertEquals(1, log.inMemory());
        assertEquals(entries(1, 3, 1, 10), log.entries(1, 4, Long.MAX_VALUE));
        assertEquals(1, storeReads, "released entries come from the store");
    }

    @Test
    void onlyDurableEntriesAreReleased() {
        log.append(entries(1, 5, 1, 10));
        store.write(null, log.takeUnhanded().subList(0, 3));
        log.persisted(3, 1);

        log.release(5);
        assertEquals(2, log.inMemory(), "entries 4 and 5 are not durable: they must stay until written");
        assertEquals(entries(4, 5, 1, 10), log.entries(4, 6, Long.MAX_VALUE));
    }

    @Test
    void whatIsKeptInMemoryIsBoundedByEntriesAndByBytes() {
        appendDurably(entries(1, RaftLog.MAX_RETAINED_ENTRIES + 500, 1, 10));
        assertEquals(RaftLog.MAX_RETAINED_ENTRIES, log.inMemory());
        assertEquals(entries(1, 3, 1, 10), log.entries(1, 4, Long.MAX_VALUE), "the oldest are read back");

        int big = 1 << 20;
        long from = log.lastIndex() + 1;
        appendDurably(entries(from, from + 99, 1, big));
        assertTrue(log.inMemory() * (long) big <= RaftLog.MAX_RETAINED_BYTES,
                log.inMemory() + " entries of 1 MiB kept, over the byte bound");
        assertEquals(from + 99, log.lastIndex());
        assertEquals(big, log.entries(from, from + 1, Long.MAX_VALUE).get(0).payload().length);
    }

    @Test
    void aReplacedSuffixIsNoLongerDurableAndItsReplacementIsWrittenAgain() {
        appendDurably(entries(1, 5, 1, 10));
        log.append(entries(4, 4, 2, 10)); // a new leader's entry replaces 4 and 5 (Raft §5.3)
        assertEquals(3, log.durableIndex());
        assertEquals(4, log.lastIndex());
        assertEquals(entries(4, 4, 2, 10), log.takeUnhanded());
        // A late acknowledgement of the replaced write does not count the new entry as durable.
        log.persisted(5, 1);
        assertEquals(3, log.durableIndex());
        log.release(4);
        assertEquals(entries(4, 4, 2, 10), log.entries(4, 5, Long.MAX_VALUE));
    }
}
