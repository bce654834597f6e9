package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.util.Arrays;

/**
 * Moves a store of the earlier layout, which kept every key's current record (value included) in
 * {@link MvccLayout#LEGACY_LATEST}, to the key index ({@link MvccLayout#KEYS}).
 */
final class LegacyLayout {

    /** Keys per batch. */
    private static final int BATCH_KEYS = 10_000;

    private LegacyLayout() {
    }

    /**
     * Moves every record of the legacy table to an index entry, in bounded batches. Each batch writes index entries and
     * removes the records they replace atomically, and the history already holds every record, so a crash midway
     * leaves a store the next start finishes moving. Syncs the backend at the end if anything moved.
     *
     * @param backend      the backend
     * @param legacyLatest the earlier layout's table of current records
     * @param keys         the key index
     * @return how many keys were moved (0 for a store of the current layout)
     */
    static long migrate(Backend backend, Table legacyLatest, Table keys) {
        long moved = 0;
        byte[] from = new byte[0];
        while (true) {
            int n = 0;
            try (WriteBatch batch = backend.batch(); Cursor c = backend.cursor(legacyLatest, from, null)) {
                for (; c.valid() && n < BATCH_KEYS; c.next(), n++) {
                    byte[] key = c.key();
                    batch.put(keys, key, MvccLayout.IndexEntry.of(MvccReads.decode(c.value())).encode());
                    batch.delete(legacyLatest, key);
                    from = Arrays.copyOf(key, key.length + 1); // the next key after this one
                }
                if (n == 0) {
                    break;
                }
                batch.commit(false);
            }
            moved += n;
        }
        if (moved > 0) {
            backend.sync();
        }
        return moved;
    }
}
