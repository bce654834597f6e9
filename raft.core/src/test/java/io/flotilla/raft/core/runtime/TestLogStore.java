package io.flotilla.raft.core.runtime;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreException;
import io.flotilla.raft.storage.memory.MemoryLogStore;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link LogStore} for runtime tests, over a {@link MemoryLogStore}: counts writes, can make them slow (a sleeping
 * "fsync"), can hold the writer inside {@link #write} until the test releases it, and can fail a write. Its
 * {@link #close()} leaves the memory store open, so a new runtime can be started on the same data — the memory store
 * stands in for a durable disk across a restart.
 */
final class TestLogStore implements LogStore {

    final MemoryLogStore delegate;
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    /** Milliseconds each write sleeps, like an fsync. */
    volatile long writeDelayMillis;
    /** The gate the next write will wait at; taken (set to null) by that write. */
    private volatile CountDownLatch gate;
    /** The gate most recently armed, which {@link #release()} opens. */
    private volatile CountDownLatch armed;
    private volatile CountDownLatch entered;
    private volatile boolean failGatedWrite;

    TestLogStore(String name) {
        this.delegate = new MemoryLogStore(name);
    }

    /** Makes the next write wait inside {@link #write} until {@link #release()}; returns a latch that opens when it does. */
    synchronized CountDownLatch holdNextWrite(boolean thenFail) {
        entered = new CountDownLatch(1);
        failGatedWrite = thenFail;
        gate = new CountDownLatch(1);
        armed = gate;
        return entered;
    }

    void release() {
        CountDownLatch g = armed;
        if (g != null) {
            g.countDown();
        }
    }

    @Override
    public void write(PersistentState state, List<LogEntry> entries) {
        CountDownLatch g;
        boolean fail;
        synchronized (this) {
            g = gate;
            fail = failGatedWrite;
            if (g != null) {
                gate = null;
                failGatedWrite = false;
                entered.countDown();
            }
        }
        if (g != null) {
            try {
                if (!g.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("a held write was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (fail) {
                throw new LogStoreException("injected write failure");
            }
        }
        long delay = writeDelayMillis;
        if (delay > 0) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        delegate.write(state, entries);
        writes.incrementAndGet();
    }

    @Override
    public long firstIndex() {
        return delegate.firstIndex();
    }

    @Override
    public long lastIndex() {
        return delegate.lastIndex();
    }

    @Override
    public long termAt(long index) {
        return delegate.termAt(index);
    }

    @Override
    public List<LogEntry> read(long fromIndex, long toIndex, long maxBytes) {
        return delegate.read(fromIndex, toIndex, maxBytes);
    }

    @Override
    public PersistentState state() {
        return delegate.state();
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        delegate.truncateSuffix(fromIndex);
    }

    @Override
    public void compactPrefix(long throughIndex) {
        delegate.compactPrefix(throughIndex);
    }

    @Override
    public void reset(long index, long term) {
        delegate.reset(index, term);
    }

    /** Counts the close but keeps the data: the "disk" outlives the runtime. */
    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
