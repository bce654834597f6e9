package io.flotilla.raft.transport.grpc;

import java.util.concurrent.atomic.AtomicLong;

/** The live counters behind {@link TransportStats}; each increment returns the new total so callers can log on it. */
final class TransportCounters {

    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong droppedQueueFull = new AtomicLong();
    final AtomicLong droppedOversize = new AtomicLong();
    final AtomicLong rejectedInboundOversize = new AtomicLong();
    final AtomicLong droppedUnknownPeer = new AtomicLong();
    final AtomicLong droppedInvalid = new AtomicLong();
    final AtomicLong streamFailures = new AtomicLong();

    /**
     * Returns whether a count is worth a log line: at 1, 2, 4, 8 ... so repeated drops stay visible but cheap.
     *
     * @param total the count just reached
     * @return true at powers of two
     */
    static boolean worthLogging(long total) {
        return Long.bitCount(total) == 1;
    }

    TransportStats snapshot(int peers) {
        return new TransportStats(sent.get(), received.get(), droppedQueueFull.get(), droppedOversize.get(),
                rejectedInboundOversize.get(), droppedUnknownPeer.get(), droppedInvalid.get(), streamFailures.get(),
                peers);
    }
}
