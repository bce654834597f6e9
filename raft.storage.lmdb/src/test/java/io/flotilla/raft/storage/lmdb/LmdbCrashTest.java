package io.flotilla.raft.storage.lmdb;

import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.storage.tck.LogStoreCrashTest;
import java.util.List;

/** Kills a process writing to an {@code lmdb} store with SIGKILL and checks every acknowledged entry survived. */
class LmdbCrashTest extends LogStoreCrashTest {

    @Override
    protected LogStoreProvider provider() {
        return new LmdbLogStoreProvider();
    }

    @Override
    protected List<String> childJvmOptions() {
        // The child runs on the class path, so lmdbjava is in the unnamed module there.
        return List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED");
    }
}
