package io.flotilla.raft.api.spi;

/**
 * Makes {@link LogStore}s of one kind. A plugin module declares its implementation in {@code module-info.java}
 * with {@code provides io.flotilla.raft.api.spi.LogStoreProvider with ...}; the engine finds it by
 * {@link #name()} through {@link Plugins#logStore(String)}. An implementation needs a public no-argument
 * constructor (or a public static {@code provider()} method) and must be cheap to create: it is instantiated whenever
 * providers are listed.
 */
public interface LogStoreProvider {

    /**
     * Returns the name users write in configuration, e.g. {@code "rocksdb"}; lower case, unique among providers.
     *
     * @return the name
     */
    String name();

    /**
     * Opens (creating if needed) the store for one member. Recovery happens here: a store that was killed mid-write
     * comes back at its last complete durable write; a damaged one fails with {@link CorruptLogException}.
     *
     * @param context the member, its directory and the options
     * @return the open store
     * @throws IllegalArgumentException for invalid options, naming the option
     * @throws LogStoreException        if the store cannot be opened
     */
    LogStore open(LogStoreContext context);
}
