package io.flotilla.raft.storage.bench;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.spi.LogStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The engine's hot path: one {@code write(null, batch)} of {@code batch} entries of {@code size} bytes, with sync on.
 * The score is the time per write (a group commit); entries per second is {@code batch / score}.
 *
 * <p>The log is emptied between iterations, and kept under a million entries within one (the in-memory store would
 * otherwise fill the heap), so every measurement appends to a log of similar size.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// lmdbjava needs these on the class path too (it reads direct buffers' addresses).
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED"})
public class AppendBenchmark {

    private static final long MAX_ENTRIES = 1_000_000;

    /** The store under test. */
    @Param({"memory", "rocksdb", "lmdb"})
    public String store;

    /** Entries per write. */
    @Param({"1", "16", "256"})
    public int batch;

    /** Payload bytes per entry. */
    @Param({"100", "4096"})
    public int size;

    private Path directory;
    private LogStore log;
    private byte[] payload;

    /** Opens the store. */
    @Setup(Level.Trial)
    public void open() {
        directory = StoreFactory.tempDirectory("append-" + store + "-");
        log = StoreFactory.open(store, directory);
        payload = new byte[size];
        ThreadLocalRandom.current().nextBytes(payload); // incompressible, like real commands
    }

    /** Empties the log so that each iteration starts alike. */
    @Setup(Level.Iteration)
    public void empty() {
        log.reset(log.lastIndex(), 1);
    }

    /**
     * Appends one batch.
     *
     * @return the new last index, so the work cannot be optimised away
     */
    @Benchmark
    public long append() {
        long next = log.lastIndex() + 1;
        if (next - log.firstIndex() > MAX_ENTRIES) {
            log.compactPrefix(next - 1);
        }
        List<LogEntry> entries = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            // The payload array is shared: LogEntry does not copy, and the stores copy on write.
            entries.add(LogEntry.command(next + i, 1, payload));
        }
        log.write(null, entries);
        return next + batch - 1;
    }

    /** Closes the store and removes its files. */
    @TearDown(Level.Trial)
    public void close() {
        log.close();
        StoreFactory.delete(directory);
    }
}
