package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.command.KeyRevision;
import io.flotilla.kv.service.internal.proto.command.SnapshotHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes and reads the whole MVCC state — current revision, compaction point and every kept revision of every key —
 * as a stream of length-delimited protobuf messages: one {@link SnapshotHeader}, then one
 * {@link io.flotilla.kv.service.internal.proto.command.KeyHistory} per key in key order. Streaming keeps memory flat
 * for large stores.
 */
final class SnapshotCodec {

    /** Layout version written in the header; a reader refuses any other. */
    static final int FORMAT = 1;

    private SnapshotCodec() {
    }

    static void write(MvccStore store, OutputStream out) throws IOException {
        Map<ByteString, KeyHistory> histories = store.histories();
        SnapshotHeader.newBuilder()
                .setFormat(FORMAT)
                .setRevision(store.revision())
                .setCompactRevision(store.compactRevision())
                .setKeyCount(histories.size())
                .build()
                .writeDelimitedTo(out);
        for (Map.Entry<ByteString, KeyHistory> e : histories.entrySet()) {
            io.flotilla.kv.service.internal.proto.command.KeyHistory.Builder history =
                    io.flotilla.kv.service.internal.proto.command.KeyHistory.newBuilder().setKey(e.getKey());
            for (KeyHistory.Change change : e.getValue().changes()) {
                KeyRevision.Builder revision = KeyRevision.newBuilder().setRevision(change.revision());
                if (change.isTombstone()) {
                    revision.setTombstone(true);
                } else {
                    revision.setKv(change.kv());
                }
                history.addRevisions(revision);
            }
            history.build().writeDelimitedTo(out);
        }
        out.flush();
    }

    static void restore(MvccStore store, InputStream in) throws IOException {
        SnapshotHeader header = SnapshotHeader.parseDelimitedFrom(in);
        if (header == null) {
            throw new IOException("not a KV snapshot: the stream is empty");
        }
        if (header.getFormat() != FORMAT) {
            throw new IOException("unsupported KV snapshot format " + header.getFormat() + "; expected " + FORMAT);
        }
        Map<ByteString, KeyHistory> keys = new TreeMap<>(KeyRange.KEY_ORDER);
        for (long i = 0; i < header.getKeyCount(); i++) {
            var stored = io.flotilla.kv.service.internal.proto.command.KeyHistory.parseDelimitedFrom(in);
            if (stored == null) {
                throw new IOException("KV snapshot ends after " + i + " of " + header.getKeyCount() + " keys");
            }
            KeyHistory history = new KeyHistory();
            for (KeyRevision r : stored.getRevisionsList()) {
                if (r.getTombstone()) {
                    history.delete(r.getRevision());
                } else {
                    history.put(r.getRevision(), r.getKv());
                }
            }
            keys.put(stored.getKey(), history);
        }
        store.reset(header.getRevision(), header.getCompactRevision(), keys);
    }
}
