package io.flotilla.kv.service.watch;

import com.google.protobuf.ByteString;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The synced watchers, indexed so that a change finds its watchers without looking at all of them: single-key watchers
 * by key (a hash lookup per change, so thousands of them cost nothing per put), range watchers in a set looked through
 * (prefix watchers are few in practice; etcd uses an interval tree for them). Guarded by the hub's lock.
 */
final class WatchIndex {

    private final Map<ByteString, Set<Watcher>> byKey = new HashMap<>();
    private final Set<Watcher> ranges = new LinkedHashSet<>();
    private int size;

    void add(Watcher w) {
        boolean added = w.range.singleKey() ? byKey.computeIfAbsent(w.range.from(), k -> new LinkedHashSet<>()).add(w)
                : ranges.add(w);
        if (added) {
            size++;
        }
    }

    void remove(Watcher w) {
        boolean removed;
        if (w.range.singleKey()) {
            Set<Watcher> set = byKey.get(w.range.from());
            removed = set != null && set.remove(w);
            if (set != null && set.isEmpty()) {
                byKey.remove(w.range.from());
            }
        } else {
            removed = ranges.remove(w);
        }
        if (removed) {
            size--;
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Calls {@code action} for every watcher whose range may hold {@code key} (the caller checks the rest). */
    void forEachCandidate(ByteString key, Consumer<Watcher> action) {
        Set<Watcher> set = byKey.get(key);
        if (set != null) {
            set.forEach(action);
        }
        ranges.forEach(action);
    }

    /** Calls {@code action} for every watcher. */
    void forEach(Consumer<Watcher> action) {
        byKey.values().forEach(set -> set.forEach(action));
        ranges.forEach(action);
    }
}
