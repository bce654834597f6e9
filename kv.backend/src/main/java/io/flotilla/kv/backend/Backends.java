package io.flotilla.kv.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds backends by name among the modules on the module path. The lookup lives here because this module declares
 * the {@code uses} clause; callers need none.
 */
public final class Backends {

    private Backends() {
    }

    /**
     * Returns the backend provider with the given name.
     *
     * @param name e.g. {@code "rocksdb"}
     * @return the provider
     * @throws IllegalArgumentException naming the backends available, e.g.
     *                                  {@code unknown backend 'rocksdbx'; available: memory, rocksdb}
     */
    public static BackendProvider provider(String name) {
        TreeMap<String, BackendProvider> byName = new TreeMap<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            byName.putIfAbsent(p.name(), p);
        }
        BackendProvider found = byName.get(name);
        if (found == null) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; available: "
                    + String.join(", ", byName.keySet()));
        }
        return found;
    }

    /** {@return the names of the backends available, sorted} */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(p -> names.add(p.name()));
        names.sort(null);
        return names;
    }
}
