package com.example.flotilla.journal;

import io.flotilla.raft.api.spi.LogStoreContext;
import java.util.Set;

/**
 * The options of the {@code journal} store, validated.
 *
 * @param sync             force every write to disk before it returns (default true); false is UNSAFE: an operating
 *                         system crash or power loss can lose acknowledged entries and votes
 * @param rewriteThreshold bytes of discarded records (compacted, truncated, replaced) the file may hold before a
 *                         compaction rewrites it (default 16m); a rewrite also waits until they outnumber the live
 *                         bytes, so it never copies more than it reclaims
 */
record JournalOptions(boolean sync, long rewriteThreshold) {

    static final Set<String> KNOWN = Set.of("sync", "rewriteThreshold");

    static JournalOptions from(LogStoreContext context) {
        context.requireKnownOptions(JournalLogStoreProvider.NAME, KNOWN);
        return new JournalOptions(context.booleanOption("sync", true),
                context.longOption("rewriteThreshold", 16L << 20, 0));
    }
}
