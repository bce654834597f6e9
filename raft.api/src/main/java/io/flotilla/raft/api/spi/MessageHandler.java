package io.flotilla.raft.api.spi;

import io.flotilla.raft.api.message.RaftMessage;

/** Receives inbound messages from a {@link Transport}. Called from transport threads; must not block. */
@FunctionalInterface
public interface MessageHandler {

    /**
     * Takes one inbound message.
     *
     * @param message the message, addressed to this member
     */
    void onMessage(RaftMessage message);
}
