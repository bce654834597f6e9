package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.flotilla.kv.backend.BackendReader;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * How records are found in the {@link MvccLayout} tables: the current records through the key index, older ones in
 * the history. Shared by the store on the apply thread, which reads the backend with the changes of its unwritten
 * {@link ApplyGroup} laid over it, and by {@link MvccView}s, which read a consistent backend view on reader threads
 * and pass no group. Stateless apart from the tables, so usable from any thread.
 */
final class MvccReads {

    private final Table keys;
    private final Table history;

    MvccReads(Table keys, Table history) {
        this.keys = keys;
        this.history = history;
    }

    /**
     * Reads the current records of a range.
     *
     * @param reader     the backend or a view of it
     * @param group      changes not in {@code reader} yet, which shadow it; null for none (a view)
     * @param range      the keys, not empty
     * @param maxRecords how many records to return at most (the rest are only counted)
     * @param pending    the changes of a write batch reading its own writes, which shadow the group's; null for none
     * @return the records and the count
     */
    MvccStore.Scan scanLatest(BackendReader reader, ApplyGroup group, KeyRange range, int maxRecords,
                              NavigableMap<ByteString, KeyValue> pending) {
        if (range.singleKey()) {
            KeyValue kv = pending != null && pending.containsKey(range.from())
                    ? pending.get(range.from()) : readLatest(reader, group, range.from().toByteArray());
            return kv == null ? new MvccStore.Scan(List.of(), 0) : new MvccStore.Scan(List.of(kv), 1);
        }
        List<KeyValue> out = new ArrayList<>();
        long count = 0;
        NavigableMap<ByteString, KeyValue> overlay = overlay(group, range, pending);
        var overlayIt = overlay == null ? null : overlay.entrySet().iterator();
        Map.Entry<ByteString, KeyValue> next = overlayIt != null && overlayIt.hasNext() ? overlayIt.next() : null;
        try (Cursor c = reader.cursor(keys, range.from().toByteArray(),
                range.to() == null ? null : range.to().toByteArray())) {
            // A merge of the stored keys with the unwritten changes (which shadow them), both in key order.
            while (c.valid() || next != null) {
                int order = !c.valid() ? 1 : next == null ? -1
                        : KeyRange.KEY_ORDER.compare(UnsafeByteOperations.unsafeWrap(c.key()), next.getKey());
                if (order < 0) {
                    if (count < maxRecords) {
                        byte[] key = c.key();
                        out.add(readIndexed(reader, key, MvccLayout.IndexEntry.decode(c.value(), key)));
                    }
                    count++;
                    c.next();
                    continue;
                }
                KeyValue kv = next.getValue(); // null: deleted by a change not written yet
                if (kv != null) {
                    if (count < maxRecords) {
                        out.add(kv);
                    }
                    count++;
                }
                if (order == 0) {
                    c.next();
                }
                next = overlayIt.hasNext() ? overlayIt.next() : null;
            }
        }
        return new MvccStore.Scan(out, count);
    }

    /**
     * Returns the changes not in the backend yet within a range, in key order: the group's, shadowed by those of the
     * write batch reading ({@code pending}); null if there are none.
     */
    private static NavigableMap<ByteString, KeyValue> overlay(ApplyGroup group, KeyRange range,
                                                              NavigableMap<ByteString, KeyValue> pending) {
        NavigableMap<ByteString, KeyValue> grouped = group == null ? null : group.within(range);
        NavigableMap<ByteString, KeyValue> own = pending == null ? null : ApplyGroup.within(pending, range);
        if (grouped == null || own == null) {
            return grouped != null ? grouped : own;
        }
        NavigableMap<ByteString, KeyValue> merged = new TreeMap<>(KeyRange.KEY_ORDER);
        merged.putAll(grouped);
        merged.putAll(own);
        return merged;
    }

    /**
     * Reads a range at a revision older than the newest, from the history: per key, the newest change at or before
     * {@code at}, skipping keys deleted then. The reader must hold every change up to {@code at}.
     */
    MvccStore.Scan scanHistory(BackendReader reader, KeyRange range, long at, int maxRecords) {
        if (range.singleKey()) {
            KeyValue kv = readAt(reader, range.from().toByteArray(), at);
            return kv == null ? new MvccStore.Scan(List.of(), 0) : new MvccStore.Scan(List.of(kv), 1);
        }
        List<KeyValue> out = new ArrayList<>();
        long count = 0;
        byte[] from = MvccLayout.historyPrefix(range.from().toByteArray());
        byte[] to = range.to() == null ? null : MvccLayout.historyPrefix(range.to().toByteArray());
        try (Cursor c = reader.cursor(history, from, to)) {
            while (c.valid()) {
                byte[] key = c.key();
                if (MvccLayout.historyRevision(key) > at) {
                    c.seek(MvccLayout.withRevision(key, MvccLayout.prefixLength(key), at));
                    if (!c.valid() || !MvccLayout.sameKey(key, c.key())) {
                        continue; // the key did not exist at that revision
                    }
                    key = c.key();
                }
                byte[] value = c.value();
                if (value.length > 0) {
                    if (count < maxRecords) {
                        out.add(decode(value));
                    }
                    count++;
                }
                // Past the key's older changes: the largest possible revision suffix ends its group.
                c.seek(MvccLayout.groupEnd(key, MvccLayout.prefixLength(key)));
            }
        }
        return new MvccStore.Scan(out, count);
    }

    /** Returns a key's current record, the group's if it changed the key (group may be null), or null. */
    KeyValue readLatest(BackendReader reader, ApplyGroup group, byte[] key) {
        if (group != null) {
            ByteString k = UnsafeByteOperations.unsafeWrap(key);
            if (group.changes(k)) {
                return group.get(k);
            }
        }
        byte[] entry = reader.get(keys, key);
        return entry == null ? null : readIndexed(reader, key, MvccLayout.IndexEntry.decode(entry, key));
    }

    /** Returns the record a key's index entry points at: it is in the history, where compaction keeps it. */
    private KeyValue readIndexed(BackendReader reader, byte[] key, MvccLayout.IndexEntry entry) {
        byte[] record = reader.get(history, MvccLayout.historyKey(key, entry.modRevision()));
        if (record == null || record.length == 0) {
            throw new IllegalStateException("the key index points at revision " + entry.modRevision() + " of key "
                    + java.util.HexFormat.of().formatHex(key) + ", which the history table does not hold");
        }
        return decode(record);
    }

    /** Returns a key's record visible at a revision, or null. */
    private KeyValue readAt(BackendReader reader, byte[] key, long at) {
        byte[] prefix = MvccLayout.historyPrefix(key);
        try (Cursor c = reader.cursor(history, MvccLayout.withRevision(prefix, prefix.length, at),
                MvccLayout.groupEnd(prefix, prefix.length))) {
            if (!c.valid()) {
                return null;
            }
            byte[] value = c.value();
            return value.length == 0 ? null : decode(value);
        }
    }

    static KeyValue decode(byte[] value) {
        try {
            return KeyValue.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("undecodable record in the backend: " + e.getMessage(), e);
        }
    }
}
