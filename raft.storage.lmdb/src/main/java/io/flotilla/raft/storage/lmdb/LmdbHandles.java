package io.flotilla.raft.storage.lmdb;

import io.flotilla.raft.api.spi.LogStoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.LmdbException;

/**
 * The LMDB environment behind one store and its two databases: {@code entries} (big-endian index to entry) and
 * {@code meta} (the persistent state and the compaction boundary).
 */
final class LmdbHandles implements AutoCloseable {

    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> entries;
    private final Dbi<ByteBuffer> meta;

    LmdbHandles(Path directory, LmdbSettings settings) {
        List<EnvFlags> flags = new ArrayList<>();
        // Read transactions are opened on whatever thread calls a read method; without MDB_NOTLS LMDB would tie a
        // reader slot to each thread ever used, and a pool of short-lived threads could exhaust them.
        flags.add(EnvFlags.MDB_NOTLS);
        if (!settings.sync()) {
            flags.add(EnvFlags.MDB_NOSYNC);
        }
        Env<ByteBuffer> opened = null;
        try {
            Files.createDirectories(directory);
            opened = Env.create()
                    .setMapSize(settings.mapSize())
                    .setMaxDbs(2)
                    .open(directory.toFile(), flags.toArray(EnvFlags[]::new));
            entries = opened.openDbi("entries", DbiFlags.MDB_CREATE);
            meta = opened.openDbi("meta", DbiFlags.MDB_CREATE);
            env = opened;
        } catch (LmdbException | IOException e) {
            if (opened != null) {
                opened.close();
            }
            throw new LogStoreException("lmdb log store " + directory + ": cannot open: " + e.getMessage(), e);
        }
    }

    Env<ByteBuffer> env() {
        return env;
    }

    Dbi<ByteBuffer> entries() {
        return entries;
    }

    Dbi<ByteBuffer> meta() {
        return meta;
    }

    @Override
    public void close() {
        env.close();
    }
}
