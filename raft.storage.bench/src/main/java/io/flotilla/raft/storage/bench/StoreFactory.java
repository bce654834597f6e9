package io.flotilla.raft.storage.bench;

import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.storage.lmdb.LmdbLogStoreProvider;
import io.flotilla.raft.storage.memory.MemoryLogStoreProvider;
import io.flotilla.raft.storage.rocksdb.RocksDbLogStoreProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Opens the stores the benchmarks compare, by name, with sync on. Providers are created by class because the
 * benchmark jar runs on the class path, where ServiceLoader does not see module-info {@code provides} clauses.
 */
final class StoreFactory {

    private StoreFactory() {
    }

    static LogStore open(String name, Path directory) {
        LogStoreProvider provider = switch (name) {
            case "memory" -> new MemoryLogStoreProvider();
            case "rocksdb" -> new RocksDbLogStoreProvider();
            case "lmdb" -> new LmdbLogStoreProvider();
            default -> throw new IllegalArgumentException("unknown store " + name);
        };
        // LMDB reserves address space, not disk: a large map keeps a fast benchmark from filling it.
        Map<String, String> options = name.equals("lmdb") ? Map.of("sync", "true", "mapSize", "64g")
                : Map.of("sync", "true");
        return provider.open(new LogStoreContext(NodeId.of("bench"), directory, options));
    }

    static Path tempDirectory(String prefix) {
        try {
            // Under the working directory, not /tmp, which may be a RAM disk where fsync costs nothing.
            Path base = Files.createDirectories(Path.of("target", "bench-data"));
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
