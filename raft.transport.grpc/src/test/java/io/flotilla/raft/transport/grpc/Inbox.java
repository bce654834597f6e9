package io.flotilla.raft.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.spi.MessageHandler;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A message handler that keeps what arrives, for tests to wait on. */
final class Inbox implements MessageHandler {

    private final LinkedBlockingQueue<RaftMessage> messages = new LinkedBlockingQueue<>();

    @Override
    public void onMessage(RaftMessage message) {
        messages.add(message);
    }

    /** Waits for the next message, failing the test if none comes in time. */
    RaftMessage next(Duration timeout) throws InterruptedException {
        RaftMessage message = poll(timeout);
        assertNotNull(message, "no message arrived within " + timeout);
        return message;
    }

    /** Waits for the next message; null if none comes in time. */
    RaftMessage poll(Duration timeout) throws InterruptedException {
        return messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Returns whether nothing is waiting. */
    boolean isEmpty() {
        return messages.isEmpty();
    }
}
