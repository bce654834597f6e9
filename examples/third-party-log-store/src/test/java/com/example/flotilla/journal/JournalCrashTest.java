package com.example.flotilla.journal;

import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.storage.tck.LogStoreCrashTest;

/** Kills a process writing to a {@code journal} store with SIGKILL and checks every acknowledged entry survived. */
class JournalCrashTest extends LogStoreCrashTest {

    @Override
    protected LogStoreProvider provider() {
        return new JournalLogStoreProvider();
    }
}
