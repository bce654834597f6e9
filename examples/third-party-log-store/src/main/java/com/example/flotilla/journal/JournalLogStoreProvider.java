package com.example.flotilla.journal;

import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.LogStoreProvider;

/**
 * Provides the {@code journal} log store: the whole log and the persistent state of a member in one append-only file,
 * {@code <directory>/journal}, one checksummed frame per mutating call, forced to disk before the call returns.
 *
 * <p>Options: {@code sync} (default {@code true}; {@code false} is UNSAFE: an operating system crash can lose
 * acknowledged entries and votes) and {@code rewriteThreshold} (default {@code 16m}): once the file holds at least
 * this many bytes of discarded records, and more of them than live ones, a compaction rewrites it without them.
 *
 * <p>Opening replays the file and checks every checksum. A write a crash interrupted is dropped (it was never
 * acknowledged); damage anywhere else fails the open with {@link io.flotilla.raft.api.spi.CorruptLogException}
 * naming the file and the index.
 */
public final class JournalLogStoreProvider implements LogStoreProvider {

    /** The name to use in configuration: {@code logStore: {name: journal}}. */
    public static final String NAME = "journal";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor); opens nothing. */
    public JournalLogStoreProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LogStore open(LogStoreContext context) {
        return JournalLogStore.open(context.directory(), JournalOptions.from(context));
    }
}
