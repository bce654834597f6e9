package io.flotilla.raft.storage.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.storage.tck.LogStoreTestSupport;
import io.flotilla.raft.storage.tck.TestEntries;
import java.nio.ByteBuffer;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.lmdbjava.Txn;

/**
 * Damages stored entries behind the store's back, through LMDB itself, and checks that opening refuses the store
 * with a {@link CorruptLogException} naming its path and the index, rather than serving a wrong or missing entry.
 */
class LmdbCorruptionTest extends LogStoreTestSupport {

    @Override
    protected LogStoreProvider provider() {
        return new LmdbLogStoreProvider();
    }

    @Test
    void flippedByteInAnEntryFailsTheOpen() {
        assertCorruptAt(5, "checksum", (handles, txn) -> {
            byte[] value = copy(handles.entries().get(txn, key(5)));
            value[value.length - 1] ^= 0x01;
            handles.entries().put(txn, key(5), direct(value));
        });
    }

    @Test
    void entryMovedToAnotherIndexFailsTheOpen() {
        // The checksum covers the index, so an intact value under the wrong key is caught too.
        assertCorruptAt(6, "checksum", (handles, txn) ->
                handles.entries().put(txn, key(6), direct(copy(handles.entries().get(txn, key(7))))));
    }

    @Test
    void missingEntryFailsTheOpen() {
        assertCorruptAt(4, "missing", (handles, txn) -> handles.entries().delete(txn, key(4)));
    }

    @Test
    void truncatedEntryFailsTheOpen() {
        assertCorruptAt(8, "truncated", (handles, txn) ->
                handles.entries().put(txn, key(8), direct(new byte[] {1, 2, 3})));
    }

    private void assertCorruptAt(long index, String reason, BiConsumer<LmdbHandles, Txn<ByteBuffer>> damage) {
        LogStore store = open();
        store.append(TestEntries.range(1, 10, 1));
        store.close();
        try (LmdbHandles handles = new LmdbHandles(directory, new LmdbSettings(true, 64L << 20));
                Txn<ByteBuffer> txn = handles.env().txnWrite()) {
            damage.accept(handles, txn);
            txn.commit();
        }
        CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
        assertEquals(index, e.index());
        assertEquals(directory.toString(), e.store());
        assertTrue(e.getMessage().contains(directory.toString()) && e.getMessage().contains(reason),
                e.getMessage());
        // The failed open released the environment: a second attempt fails the same way.
        assertEquals(index, assertThrows(CorruptLogException.class, this::open).index());
    }

    private static ByteBuffer key(long index) {
        return ByteBuffer.allocateDirect(8).putLong(0, index);
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static byte[] copy(ByteBuffer value) {
        byte[] out = new byte[value.remaining()];
        value.duplicate().get(out);
        return out;
    }
}
