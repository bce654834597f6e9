package io.flotilla.raft.api.spi;

/**
 * Makes {@link Transport}s of one kind. Declared in a plugin's {@code module-info.java} with
 * {@code provides io.flotilla.raft.api.spi.TransportProvider with ...}; found by {@link #name()} through
 * {@link Plugins#transport(String)}.
 */
public interface TransportProvider {

    /**
     * Returns the name users write in configuration, e.g. {@code "grpc"}.
     *
     * @return the name
     */
    String name();

    /**
     * Creates a transport, not yet started.
     *
     * @param context the local member, its address, its peers and the options
     * @return the transport
     * @throws IllegalArgumentException for invalid options or addresses, naming them
     */
    Transport create(TransportContext context);
}
