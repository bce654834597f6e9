package com.example.flotilla.journal;

import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.storage.tck.LogStoreContractTest;
import java.util.Map;

/**
 * The contract again, with {@code rewriteThreshold=0}: every compaction or reset that leaves more discarded than live
 * bytes rewrites the file, so the contract's compactions and resets also run through the rewrite and are replayed
 * from rewritten files after reopening.
 */
class JournalRewritingContractTest extends LogStoreContractTest {

    @Override
    protected LogStoreProvider provider() {
        return new JournalLogStoreProvider();
    }

    @Override
    protected Map<String, String> options() {
        return Map.of("rewriteThreshold", "0");
    }
}
