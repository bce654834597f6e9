package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendView;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Writes and reads the whole MVCC state as it is in the backend — every table, entry by entry — so that a snapshot is
 * a streamed copy of a consistent {@link BackendView} and restoring it writes the entries back. Memory stays flat
 * whatever the size.
 *
 * <pre>
 * format i32 | table count i32 | (name UTF)* | (table index u8 | key length i32 | key | value length i32 | value)* | 0xFF
 * </pre>
 *
 * <p>Restoring is crash-safe: a durable {@link MvccLayout#RESTORING} marker goes first and is removed, with the
 * snapshot's index, in the last (durable) batch; a member that crashes part-way sees the marker, reports no applied
 * index, and the engine restores the snapshot again.
 */
final class SnapshotCodec {

    /** Layout version written first; a reader refuses any other. */
    static final int FORMAT = 2;
    private static final int END = 0xFF;
    /** Entries or bytes per restore batch, whichever comes first: bounds the memory a restore needs. */
    private static final int BATCH_ENTRIES = 10_000;
    private static final long BATCH_BYTES = 4L << 20;

    private SnapshotCodec() {
    }

    /** Writes every table of a view. */
    static void write(Backend backend, BackendView view, OutputStream rawOut) throws IOException {
        DataOutputStream out = new DataOutputStream(rawOut);
        List<String> tables = MvccLayout.TABLES;
        out.writeInt(FORMAT);
        out.writeInt(tables.size());
        for (String name : tables) {
            out.writeUTF(name);
        }
        for (int i = 0; i < tables.size(); i++) {
            Table table = backend.table(tables.get(i));
            try (Cursor c = view.cursor(table, new byte[0], null)) {
                for (; c.valid(); c.next()) {
                    byte[] key = c.key();
                    byte[] value = c.value();
                    out.writeByte(i);
                    out.writeInt(key.length);
                    out.write(key);
                    out.writeInt(value.length);
                    out.write(value);
                }
            }
        }
        out.writeByte(END);
        out.flush();
    }

    /** Replaces the store's content with a snapshot's, recording {@code index} as applied. */
    static void restore(MvccStore store, InputStream rawIn, long index) throws IOException {
        IOException[] failure = new IOException[1];
        store.replaceContent(() -> {
            try {
                replace(store.backend(), new DataInputStream(rawIn), index);
            } catch (IOException e) {
                failure[0] = e;
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static void replace(Backend backend, DataInputStream in, long index) throws IOException {
        Table meta = backend.table(MvccLayout.META);
        try (WriteBatch marker = backend.batch()) {
            marker.put(meta, MvccLayout.RESTORING, new byte[] {1});
            marker.commit(true);
        }
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("unsupported KV snapshot format " + format + "; expected " + FORMAT);
        }
        int count = in.readInt();
        if (count < 0 || count > 64) {
            throw new IOException("corrupt KV snapshot: " + count + " tables");
        }
        Table[] tables = new Table[count];
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            if (!MvccLayout.TABLES.contains(name)) {
                throw new IOException("KV snapshot holds an unknown table '" + name + "'");
            }
            tables[i] = backend.table(name);
        }
        for (String name : MvccLayout.TABLES) {
            clear(backend, backend.table(name));
        }
        WriteBatch batch = backend.batch();
        long bytes = 0;
        try {
            while (true) {
                int t = in.readUnsignedByte();
                if (t == END) {
                    break;
                }
                if (t >= count) {
                    throw new IOException("corrupt KV snapshot: table index " + t);
                }
                byte[] key = readBytes(in);
                byte[] value = readBytes(in);
                if (tables[t].name().equals(MvccLayout.META) && Arrays.equals(key, MvccLayout.RESTORING)) {
                    continue;
                }
                batch.put(tables[t], key, value);
                bytes += key.length + value.length;
                if (batch.size() >= BATCH_ENTRIES || bytes >= BATCH_BYTES) {
                    batch.commit(false);
                    batch.close();
                    batch = backend.batch();
                    bytes = 0;
                }
            }
            batch.put(meta, MvccLayout.APPLIED_INDEX, MvccLayout.longBytes(index));
            batch.delete(meta, MvccLayout.RESTORING);
            batch.commit(true);
        } catch (EOFException e) {
            throw new IOException("KV snapshot is truncated", e);
        } finally {
            batch.close();
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > (256 << 20)) {
            throw new IOException("corrupt KV snapshot: an entry of " + length + " bytes");
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    /** Deletes every entry of a table (the restore marker excepted), in bounded batches. */
    private static void clear(Backend backend, Table table) {
        byte[] from = new byte[0]; // after the last key deleted: never walk the tombstones of earlier batches again
        while (true) {
            int deleted = 0;
            try (WriteBatch batch = backend.batch(); Cursor c = backend.cursor(table, from, null)) {
                for (; c.valid() && deleted < BATCH_ENTRIES; c.next()) {
                    byte[] key = c.key();
                    from = Arrays.copyOf(key, key.length + 1);
                    if (table.name().equals(MvccLayout.META) && Arrays.equals(key, MvccLayout.RESTORING)) {
                        continue;
                    }
                    batch.delete(table, key);
                    deleted++;
                }
                if (deleted == 0) {
                    return;
                }
                batch.commit(false);
            }
        }
    }
}
