package io.flotilla.kv.backend.tck;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What batch {@code n} of the crash test writes, computed the same way by the writer ({@link CrashWriter}) and the
 * checker ({@link BackendCrashTest}): the counter {@code meta/counter = n}; {@link #keysOf(long)} data keys, each
 * with a value tagged {@code n} and of a varied size (so that the kill tears records of different lengths); and, once
 * {@code n > }{@link #DELETE_LAG}, the deletion of the first data key of batch {@code n - DELETE_LAG}. Some batches
 * are committed with {@code durable = false}.
 */
final class CrashBatches {

    /** The table of the counter. */
    static final String META = "meta";
    /** The table of the data keys. */
    static final String DATA = "data";
    /** Both tables. */
    static final List<String> TABLES = List.of(META, DATA);
    /** The counter's key. */
    static final byte[] COUNTER = "counter".getBytes(StandardCharsets.US_ASCII);
    /** Batch {@code n} deletes the first data key of batch {@code n - DELETE_LAG}. */
    static final long DELETE_LAG = 10;

    private CrashBatches() {
    }

    /** {@return how many data keys batch {@code n} writes: 1 to 12} */
    static int keysOf(long n) {
        return 1 + (int) Math.floorMod(n * 7, 12L);
    }

    /** {@return whether batch {@code n} is committed with {@code durable = true}} */
    static boolean durable(long n) {
        return Math.floorMod(mix(n), 3L) != 0;
    }

    /**
     * Returns the {@code i}-th data key of batch {@code n}: 8 scrambled bytes, so that batches scatter over the key
     * space, followed by {@code n} and {@code i}, so that no two keys are equal.
     */
    static byte[] key(long n, int i) {
        return ByteBuffer.allocate(17).putLong(mix(n * 31 + i)).putLong(n).put((byte) i).array();
    }

    /** {@return the value of the {@code i}-th data key of batch {@code n}: n, i, then 0 to 2999 filler bytes} */
    static byte[] value(long n, int i) {
        int filler = (int) Math.floorMod(n * 37 + i * 101, 3000L);
        ByteBuffer b = ByteBuffer.allocate(12 + filler).putLong(n).putInt(i);
        while (b.hasRemaining()) {
            b.put((byte) (n + b.position()));
        }
        return b.array();
    }

    /** {@return whether the {@code i}-th key of batch {@code m} is still present once batches 1..c are applied} */
    static boolean present(long m, int i, long c) {
        return m <= c && !(i == 0 && m + DELETE_LAG <= c);
    }

    /**
     * Commits batch {@code n}.
     *
     * @param backend the backend
     * @param n       the batch's number
     */
    static void commit(Backend backend, long n) {
        Table meta = backend.table(META);
        Table data = backend.table(DATA);
        try (WriteBatch batch = backend.batch()) {
            batch.put(meta, COUNTER, ByteBuffer.allocate(8).putLong(n).array());
            for (int i = 0; i < keysOf(n); i++) {
                batch.put(data, key(n, i), value(n, i));
            }
            if (n > DELETE_LAG) {
                batch.delete(data, key(n - DELETE_LAG, 0));
            }
            batch.commit(durable(n));
        }
    }

    /** {@return the counter in the backend, 0 if no batch was committed} */
    static long counter(Backend backend) {
        byte[] raw = backend.get(backend.table(META), COUNTER);
        return raw == null ? 0 : ByteBuffer.wrap(raw).getLong();
    }

    /** SplitMix64's finaliser: a bijection of longs that scatters consecutive inputs. */
    private static long mix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
