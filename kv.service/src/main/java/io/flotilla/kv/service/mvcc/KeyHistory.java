package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every kept change of one key, oldest first: the record each put wrote, and a tombstone for each delete. Reading at a
 * revision finds the last change at or before it. Not thread-safe; owned by {@link MvccStore}.
 */
final class KeyHistory {

    /**
     * One change.
     *
     * @param revision the store revision that made it
     * @param kv       the record written, or null for a delete
     */
    record Change(long revision, KeyValue kv) {

        boolean isTombstone() {
            return kv == null;
        }
    }

    private final List<Change> changes = new ArrayList<>(2);

    /** Returns the changes, oldest first (read-only). */
    List<Change> changes() {
        return Collections.unmodifiableList(changes);
    }

    /** Returns the record visible at {@code revision}, or null if the key did not exist then. */
    KeyValue at(long revision) {
        int i = lastAtOrBefore(revision);
        return i < 0 ? null : changes.get(i).kv();
    }

    /** Returns the newest record, or null if the key is deleted. */
    KeyValue latest() {
        return changes.isEmpty() ? null : changes.get(changes.size() - 1).kv();
    }

    /** Records a put; revisions must increase. */
    void put(long revision, KeyValue kv) {
        append(new Change(revision, kv));
    }

    /** Records a delete; revisions must increase. */
    void delete(long revision) {
        append(new Change(revision, null));
    }

    private void append(Change change) {
        if (!changes.isEmpty() && changes.get(changes.size() - 1).revision() >= change.revision()) {
            throw new IllegalStateException("key changed twice at revision " + change.revision());
        }
        changes.add(change);
    }

    /**
     * Drops what no read at {@code revision} or later can see: every change before the one visible at
     * {@code revision}, and that one too if it is a tombstone.
     *
     * @param revision the compaction revision
     * @return the bytes of key and value records dropped
     */
    long compact(long revision) {
        int visible = lastAtOrBefore(revision);
        if (visible < 0) {
            return 0;
        }
        int dropUpTo = changes.get(visible).isTombstone() ? visible + 1 : visible;
        List<Change> dropped = changes.subList(0, dropUpTo);
        long bytes = 0;
        for (Change c : dropped) {
            bytes += sizeOf(c);
        }
        dropped.clear();
        return bytes;
    }

    /** Returns whether nothing is kept. */
    boolean isEmpty() {
        return changes.isEmpty();
    }

    /** Returns the bytes of key and value a change holds, for the store's size figure. */
    static long sizeOf(Change change) {
        return change.isTombstone() ? 0 : (long) change.kv().getKey().size() + change.kv().getValue().size();
    }

    private int lastAtOrBefore(long revision) {
        int lo = 0;
        int hi = changes.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (changes.get(mid).revision() <= revision) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
