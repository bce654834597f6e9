package io.flotilla.raft.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftMetrics;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.MessageHandler;
import io.flotilla.raft.api.spi.Transport;
import io.flotilla.raft.core.protocol.ReadyExecutor.Write;
import io.flotilla.raft.core.protocol.SnapshotFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The disk thread: order, group commit, messages after durability, exclusive work, failures. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class PersisterTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");

    private final TestLogStore store = new TestLogStore("n1");
    /** Everything the disk thread reported or sent, in order, as text. */
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final Transport transport = new Transport() {
        @Override
        public void start(MessageHandler handler) {
        }

        @Override
        public void send(RaftMessage message) {
            // What the store held when the message left: an acknowledgement must never precede its write.
            events.add("send " + ((AppendEntriesResponse) message).matchIndex() + " (store at " + store.lastIndex()
                    + ")");
        }

        @Override
        public void updatePeers(Map<NodeId, String> peers) {
        }

        @Override
        public void close() {
        }
    };
    private final Persister persister = new Persister(N1, store, transport, null, RaftMetrics.NONE, new Persister.Listener() {
        @Override
        public void written(List<Write> writes) {
            events.add("written " + writes.stream().map(w -> w.lastEntry() == null ? "-" : "" + w.lastEntry().index())
                    .toList());
        }

        @Override
        public void snapshotReceived(SnapshotFormat.Header header) {
            events.add("snapshot");
        }

        @Override
        public void snapshotDamaged(CorruptLogException e) {
            events.add("damaged");
        }

        @Override
        public void failed(RuntimeException e) {
            events.add("failed " + e.getMessage());
        }
    }, System::nanoTime);
    private final Thread thread = new Thread(persister, "test-disk");

    @AfterEach
    void stop() throws InterruptedException {
        store.release();
        persister.stop();
        thread.join(5_000);
    }

    private static List<LogEntry> entries(long from, long to, long term) {
        List<LogEntry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(LogEntry.command(i, term, new byte[] {(byte) i}));
        }
        return out;
    }

    private static Write write(PersistentState state, List<LogEntry> entries, long ackIndex) {
        return new Write(state, entries, List.of(), List.of(new AppendEntriesResponse(N1, N2, 1, true, ackIndex, 0, 0,
                0)));
    }

    private String next() throws InterruptedException {
        String e = events.poll(5, TimeUnit.SECONDS);
        assertTrue(e != null, "the disk thread reported nothing");
        return e;
    }

    @Test
    void writesQueuedBehindASlowOneShareItsSuccessorsFsyncAndAnswersLeaveOnlyOnceDurable()
            throws InterruptedException {
        thread.start();
        CountDownLatch busy = store.holdNextWrite(false);
        persister.submit(write(new PersistentState(1, N1), entries(1, 2, 1), 2));
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        // While the first write is under way, three more queue up.
        persister.submit(write(null, entries(3, 4, 1), 4));
        persister.submit(write(new PersistentState(2, null), List.of(), 4));
        persister.submit(write(null, entries(5, 5, 2), 5));
        store.release();

        assertEquals("send 2 (store at 2)", next());
        assertEquals("written [2]", next());
        assertEquals("send 4 (store at 5)", next(), "the three queued writes went to the store as one");
        assertEquals("send 4 (store at 5)", next());
        assertEquals("send 5 (store at 5)", next());
        assertEquals("written [4, -, 5]", next());
        assertEquals(2, store.writes.get(), "one store write for the first, one for the three queued behind it");
        assertEquals(new PersistentState(2, null), store.state());
        assertEquals(entries(1, 4, 1), store.read(1, 5, Long.MAX_VALUE));
        assertEquals(2, store.termAt(5));
    }

    @Test
    void aMergedWriteThatReplacesASuffixReplacesItAsTheSeparateWritesWould() {
        List<LogEntry> merged = new ArrayList<>(entries(4, 6, 1));
        Persister.appendReplacingSuffix(merged, entries(5, 7, 2));
        assertEquals(List.of(entries(4, 4, 1).get(0), entries(5, 5, 2).get(0), entries(6, 6, 2).get(0),
                entries(7, 7, 2).get(0)), merged);

        // A later write starting below the merged ones replaces them all (the store replaces its own suffix too).
        Persister.appendReplacingSuffix(merged, entries(3, 3, 3));
        assertEquals(entries(3, 3, 3), merged);

        Persister.appendReplacingSuffix(merged, List.of());
        assertEquals(entries(3, 3, 3), merged);
        Persister.appendReplacingSuffix(merged, entries(4, 4, 3));
        assertEquals(List.of(entries(3, 3, 3).get(0), entries(4, 4, 3).get(0)), merged);
    }

    @Test
    void exclusiveWorkRunsAfterTheWritesQueuedBeforeItAndItsFailureReachesTheCaller() throws InterruptedException {
        thread.start();
        persister.submit(write(null, entries(1, 3, 1), 3));
        long[] lastSeen = new long[1];
        persister.runExclusive(() -> lastSeen[0] = store.lastIndex());
        assertEquals(3, lastSeen[0], "the exclusive work ran before the write queued ahead of it");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> persister.runExclusive(() -> store.compactPrefix(99)));
        assertTrue(e.getMessage() != null);
        // The disk thread goes on.
        persister.submit(write(null, entries(4, 4, 1), 4));
        RuntimeCluster.await(() -> store.lastIndex() == 4, 5_000, "the next write");
    }

    @Test
    void aFailedWriteIsReportedAndNothingIsWrittenOrSentAfterIt() throws InterruptedException {
        thread.start();
        CountDownLatch busy = store.holdNextWrite(true);
        persister.submit(write(null, entries(1, 1, 1), 1));
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        persister.submit(write(null, entries(2, 2, 1), 2));
        store.release();

        assertEquals("failed injected write failure", next());
        thread.join(5_000);
        assertTrue(!thread.isAlive(), "the disk thread goes on after a failed write");
        assertInstanceOf(Persister.StoppedException.class,
                assertThrows(RuntimeException.class, () -> persister.submit(write(null, entries(2, 2, 1), 2))));
        assertEquals(0, store.lastIndex(), "a write queued behind the failed one was made");
        assertTrue(events.isEmpty(), "something was sent or reported after the failure: " + events);
    }

    @Test
    void aWriteUnderWayLongerThanTheLimitCountsAsStalledUntilItReturns() throws InterruptedException {
        thread.start();
        assertTrue(!persister.stalled(System.nanoTime(), 0), "an idle disk is not stalled");
        CountDownLatch busy = store.holdNextWrite(false);
        persister.submit(write(null, entries(1, 1, 1), 1));
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        Thread.sleep(20);
        assertTrue(persister.stalled(System.nanoTime(), 10_000_000L));
        assertTrue(!persister.stalled(System.nanoTime(), 60_000_000_000L));

        Thread waiter = new Thread(() -> {
            try {
                persister.awaitProgress();
                events.add("progress");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        store.release();
        waiter.join(5_000);
        assertTrue(events.contains("progress"), "awaitProgress did not return once the write did");
        assertTrue(!persister.stalled(System.nanoTime(), 0));
    }

    @Test
    void exclusiveWorkAfterTheThreadStoppedFailsInsteadOfWaitingForever() {
        thread.start();
        persister.stop();
        assertThrows(Persister.StoppedException.class, () -> persister.runExclusive(() -> { }));
        assertThrows(Persister.StoppedException.class, () -> persister.submit(write(null, entries(1, 1, 1), 1)));
    }
}
