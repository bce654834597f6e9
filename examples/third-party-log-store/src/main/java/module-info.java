/**
 * The {@code journal} log store: a Flotilla plugin built outside the Flotilla project, against its published
 * artifacts. Every mutating call appends one checksummed frame to a single file and forces it to disk before it
 * returns; see {@link com.example.flotilla.journal.JournalLogStoreProvider}.
 *
 * <p>Nothing is exported: the engine reaches the store only through the service it provides, by the name
 * {@code journal}.
 */
module com.example.flotilla.journal {
    requires io.flotilla.raft.api;

    provides io.flotilla.raft.api.spi.LogStoreProvider with com.example.flotilla.journal.JournalLogStoreProvider;
}
