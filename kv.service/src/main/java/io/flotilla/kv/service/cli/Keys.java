package io.flotilla.kv.service.cli;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.mvcc.KeyRange;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Key and value text conventions of the CLI, the same as etcdctl's. */
final class Keys {

    /** A single zero byte: as a range end, "every key from the start key on". */
    static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    private Keys() {
    }

    static ByteString bytes(String text) {
        return ByteString.copyFrom(text, StandardCharsets.UTF_8);
    }

    /**
     * Returns the first key of a {@code --prefix} or {@code --from-key} request: an empty key means "from the very
     * first key", which etcd spells as a single zero byte, as etcdctl does.
     *
     * @param key the key as given
     * @return the key to send
     */
    static ByteString rangeStart(String key) {
        return key.isEmpty() ? ZERO : bytes(key);
    }

    /**
     * Returns the range end that selects every key starting with {@code prefix}: the prefix with its last byte below
     * 0xff incremented (and the 0xff bytes after it dropped); "\0" (every key) if there is no such byte.
     *
     * @param prefix the prefix
     * @return the exclusive range end
     */
    static ByteString prefixEnd(ByteString prefix) {
        return KeyRange.prefixEnd(prefix);
    }

    /** Prints a record as etcdctl does: the key, then the value, each on its own line. */
    static void print(PrintWriter out, KeyValue kv, boolean keysOnly) {
        out.println(kv.getKey().toStringUtf8());
        if (!keysOnly) {
            out.println(kv.getValue().toStringUtf8());
        }
    }
}
