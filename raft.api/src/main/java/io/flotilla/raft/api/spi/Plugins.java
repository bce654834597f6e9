package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.UnknownPluginException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Finds engines, log stores and transports by name among the modules on the module path (and, for classpath users,
 * {@code META-INF/services}). The lookup lives in this module because it declares the {@code uses} clauses; a caller
 * needs no {@code uses} of its own.
 */
public final class Plugins {

    private Plugins() {
    }

    /**
     * Returns the engine provider with the given name.
     *
     * @param name e.g. {@code "flotilla"}
     * @return the provider
     * @throws UnknownPluginException listing the engines available
     */
    public static RaftEngineProvider engine(String name) {
        return find("engine", name, ServiceLoader.load(RaftEngineProvider.class), RaftEngineProvider::name);
    }

    /**
     * Returns the log store provider with the given name.
     *
     * @param name e.g. {@code "rocksdb"}
     * @return the provider
     * @throws UnknownPluginException listing the log stores available
     */
    public static LogStoreProvider logStore(String name) {
        return find("log store", name, ServiceLoader.load(LogStoreProvider.class), LogStoreProvider::name);
    }

    /**
     * Returns the transport provider with the given name.
     *
     * @param name e.g. {@code "grpc"}
     * @return the provider
     * @throws UnknownPluginException listing the transports available
     */
    public static TransportProvider transport(String name) {
        return find("transport", name, ServiceLoader.load(TransportProvider.class), TransportProvider::name);
    }

    /** {@return the names of the log stores available, sorted} */
    public static List<String> logStoreNames() {
        return names(ServiceLoader.load(LogStoreProvider.class), LogStoreProvider::name);
    }

    /** {@return the names of the transports available, sorted} */
    public static List<String> transportNames() {
        return names(ServiceLoader.load(TransportProvider.class), TransportProvider::name);
    }

    private static <T> T find(String kind, String name, ServiceLoader<T> loader, Function<T, String> nameOf) {
        TreeMap<String, T> byName = new TreeMap<>();
        for (T provider : loader) {
            byName.putIfAbsent(nameOf.apply(provider), provider);
        }
        T found = byName.get(name);
        if (found == null) {
            throw new UnknownPluginException(kind, name, new ArrayList<>(byName.keySet()));
        }
        return found;
    }

    private static <T> List<String> names(ServiceLoader<T> loader, Function<T, String> nameOf) {
        List<String> names = new ArrayList<>();
        loader.forEach(p -> names.add(nameOf.apply(p)));
        names.sort(null);
        return names;
    }
}
