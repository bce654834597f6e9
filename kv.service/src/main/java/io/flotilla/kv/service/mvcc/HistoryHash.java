package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.backend.BackendReader;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import java.util.zip.CRC32C;

/** The hash behind etcd's HashKV, over the history table (see {@link MvccStore#hash(long)} for what it covers). */
final class HistoryHash {

    private HistoryHash() {
    }

    /**
     * Hashes, for every key, its changes after the compaction revision up to {@code upTo} and the record visible at
     * the compaction revision, read from one consistent state.
     *
     * @param reader          a consistent view of the backend, holding every change up to {@code upTo}
     * @param history         its history table
     * @param compactRevision the store's compaction revision
     * @param upTo            the revision to hash up to
     * @return a CRC32C of the keys and records, with the compaction revision mixed in
     */
    static long of(BackendReader reader, Table history, long compactRevision, long upTo) {
        CRC32C crc = new CRC32C();
        crc.update(MvccLayout.longBytes(compactRevision));
        try (Cursor c = reader.cursor(history, new byte[0], null)) {
            byte[] keyGroup = null; // the history keys of one user key
            boolean groupDone = false;
            for (; c.valid(); c.next()) {
                byte[] key = c.key();
                if (keyGroup == null || !MvccLayout.sameKey(keyGroup, key)) {
                    keyGroup = key;
                    groupDone = false;
                }
                long rev = MvccLayout.historyRevision(key);
                if (groupDone || rev > upTo) {
                    continue;
                }
                byte[] value = c.value();
                if (rev <= compactRevision) {
                    groupDone = true; // the record visible at the compaction point; older ones are unreachable
                    if (value.length == 0) {
                        continue;
                    }
                }
                crc.update(key);
                crc.update(value);
            }
        }
        return crc.getValue();
    }
}
