package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.api.spi.EntryRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.storage.tck.LogStoreTestSupport;
import io.flotilla.raft.storage.tck.TestEntries;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Damages stored entries behind the store's back, through RocksDB itself, and checks that opening refuses the store
 * with a {@link CorruptLogException} naming its path and the index, rather than serving a wrong or missing entry.
 */
class RocksDbCorruptionTest extends LogStoreTestSupport {

    @Override
    protected LogStoreProvider provider() {
        return new RocksDbLogStoreProvider();
    }

    @Test
    void flippedByteInAnEntryFailsTheOpen() {
        assertCorruptAt(5, "checksum", handles -> {
            byte[] value = handles.get(handles.entries(), EntryRecords.key(5));
            value[value.length - 1] ^= 0x01;
            raw(handles, batch -> batch.put(handles.entries(), EntryRecords.key(5), value));
        });
    }

    @Test
    void entryMovedToAnotherIndexFailsTheOpen() {
        // The checksum covers the index, so an intact value under the wrong key is caught too.
        assertCorruptAt(6, "checksum", handles -> {
            byte[] value = handles.get(handles.entries(), EntryRecords.key(7));
            raw(handles, batch -> batch.put(handles.entries(), EntryRecords.key(6), value));
        });
    }

    @Test
    void missingEntryFailsTheOpen() {
        assertCorruptAt(4, "missing", handles -> raw(handles, batch -> batch.delete(handles.entries(),
                EntryRecords.key(4))));
    }

    @Test
    void truncatedEntryFailsTheOpen() {
        assertCorruptAt(8, "truncated", handles -> raw(handles, batch -> batch.put(handles.entries(),
                EntryRecords.key(8), new byte[] {1, 2, 3})));
    }

    private void assertCorruptAt(long index, String reason, Consumer<RocksDbHandles> damage) {
        LogStore store = open();
        store.append(TestEntries.range(1, 10, 1));
        store.close();
        try (RocksDbHandles handles = new RocksDbHandles(directory, new RocksDbSettings(true, 1 << 20, 1 << 20))) {
            damage.accept(handles);
        }
        CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
        assertEquals(index, e.index());
        assertEquals(directory.toString(), e.store());
        assertTrue(e.getMessage().contains(directory.toString()) && e.getMessage().contains(reason),
                e.getMessage());
        // The failed open released the database: a second attempt fails the same way instead of on RocksDB's lock.
        assertEquals(index, assertThrows(CorruptLogException.class, this::open).index());
    }

    private static void raw(RocksDbHandles handles, RawEdit edit) {
        try (WriteBatch batch = new WriteBatch()) {
            edit.apply(batch);
            handles.write(batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface RawEdit {
        void apply(WriteBatch batch) throws RocksDBException;
    }
}
