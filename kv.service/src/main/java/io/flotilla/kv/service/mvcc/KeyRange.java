package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import java.util.Comparator;

/**
 * A set of keys as etcd requests name it: {@code key} alone when {@code range_end} is empty, every key at or after
 * {@code key} when {@code range_end} is a single zero byte, otherwise the half-open interval {@code [key, range_end)}
 * (a prefix is asked for as {@code [prefix, prefix + 1)}). Keys compare as unsigned bytes.
 *
 * @param from      the first key
 * @param to        the first key after the range; null for "no upper bound"
 * @param singleKey whether the range holds {@code from} only
 */
public record KeyRange(ByteString from, ByteString to, boolean singleKey) {

    /** Byte-wise unsigned order of keys, the order etcd returns them in. */
    public static final Comparator<ByteString> KEY_ORDER = ByteString.unsignedLexicographicalComparator();

    private static final ByteString ALL_FOLLOWING = ByteString.copyFrom(new byte[] {0});

    /**
     * Interprets a request's key and range end.
     *
     * @param key      the first key
     * @param rangeEnd the range end as sent (empty, "\0", or an exclusive bound)
     * @return the range
     */
    public static KeyRange of(ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return new KeyRange(key, null, true);
        }
        if (rangeEnd.equals(ALL_FOLLOWING)) {
            return new KeyRange(key, null, false);
        }
        return new KeyRange(key, rangeEnd, false);
    }

    /**
     * Returns whether the range holds a key.
     *
     * @param key the key
     * @return true if the key is in the range
     */
    public boolean contains(ByteString key) {
        if (singleKey) {
            return from.equals(key);
        }
        return KEY_ORDER.compare(key, from) >= 0 && (to == null || KEY_ORDER.compare(key, to) < 0);
    }

    /**
     * Returns the range end that makes a range of every key starting with {@code prefix} (etcd's {@code GetPrefixRangeEnd}):
     * the prefix with its last byte below 0xFF incremented and what follows dropped; "\0" (every key) if there is none.
     *
     * @param prefix the prefix
     * @return the exclusive range end
     */
    public static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ALL_FOLLOWING;
    }

    /** Returns whether the range can hold no key at all (its end is not after its start). */
    public boolean isEmpty() {
        return !singleKey && to != null && KEY_ORDER.compare(from, to) >= 0;
    }
}
