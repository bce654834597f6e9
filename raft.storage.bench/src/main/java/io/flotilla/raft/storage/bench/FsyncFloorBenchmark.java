package io.flotilla.raft.storage.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * The floor under every durable store on this disk: append {@code size} bytes to a file and
 * {@code FileChannel.force(false)} (fdatasync). No synced store can write faster than this.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class FsyncFloorBenchmark {

    /** Bytes per write. */
    @Param({"100", "4096"})
    public int size;

    private Path directory;
    private FileChannel channel;
    private ByteBuffer buffer;

    /**
     * Creates the file.
     *
     * @throws IOException if it cannot be created
     */
    @Setup(Level.Trial)
    public void open() throws IOException {
        directory = StoreFactory.tempDirectory("fsync-");
        channel = FileChannel.open(directory.resolve("floor.log"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        buffer = ByteBuffer.allocateDirect(size);
    }

    /**
     * Appends and forces.
     *
     * @return the file size, so the work cannot be optimised away
     * @throws IOException if the write fails
     */
    @Benchmark
    public long writeAndForce() throws IOException {
        buffer.clear();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        channel.force(false);
        return channel.position();
    }

    /**
     * Closes and removes the file.
     *
     * @throws IOException if closing fails
     */
    @TearDown(Level.Trial)
    public void close() throws IOException {
        channel.close();
        StoreFactory.delete(directory);
    }
}
