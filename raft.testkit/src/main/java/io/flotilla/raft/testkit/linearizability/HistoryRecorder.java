package io.flotilla.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Records a history from many client threads at once, for {@link LinearizabilityChecker}.
 *
 * <p>A client calls {@link #invoke} right before sending a request and {@link #complete} right after the answer
 * arrives, or {@link #completeUnknown} when it gives up (timeout, lost connection). The caller supplies the times, so
 * a simulation can use its simulated clock and stay deterministic; a real test can pass {@link System#nanoTime()}.
 * What matters is that the call time is taken before the request can take effect and the return time after the
 * answer was received — recording late calls or early returns would shrink intervals and report false violations.
 *
 * <p>All methods are thread-safe. The history lists operations in the order of their {@link #invoke} calls.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public final class HistoryRecorder<I, O> {

    /** One invocation; mutable, guarded by the recorder's lock. */
    private static final class Slot<I, O> {
        final int clientId;
        final I input;
        final long callTime;
        boolean closed;
        long returnTime = Long.MAX_VALUE;
        O output;

        Slot(int clientId, I input, long callTime) {
            this.clientId = clientId;
            this.input = input;
            this.callTime = callTime;
        }
    }

    private final List<Slot<I, O>> slots = new ArrayList<>();

    /** Creates an empty recorder. */
    public HistoryRecorder() {
    }

    /**
     * Records that a client is about to issue a request.
     *
     * @param clientId the client
     * @param input    the request
     * @param time     the current time, taken before the request is sent
     * @return a handle to pass to {@link #complete} or {@link #completeUnknown}
     * @throws NullPointerException     if the input is null
     * @throws IllegalArgumentException if time is {@code Long.MAX_VALUE}, which means "never"
     */
    public synchronized long invoke(int clientId, I input, long time) {
        Objects.requireNonNull(input, "input");
        if (time == Long.MAX_VALUE) {
            throw new IllegalArgumentException("time Long.MAX_VALUE is reserved for 'never'");
        }
        slots.add(new Slot<>(clientId, input, time));
        return slots.size() - 1;
    }

    /**
     * Records the answer to a request.
     *
     * @param handle the handle {@link #invoke} returned
     * @param output the answer
     * @param time   the current time, taken after the answer arrived
     * @throws NullPointerException     if the output is null
     * @throws IllegalArgumentException if the handle is unknown, or time is before the call or is
     *                                  {@code Long.MAX_VALUE}
     * @throws IllegalStateException    if the operation was already completed
     */
    public synchronized void complete(long handle, O output, long time) {
        Objects.requireNonNull(output, "output (use completeUnknown when there is no answer)");
        Slot<I, O> slot = open(handle);
        if (time < slot.callTime || time == Long.MAX_VALUE) {
            throw new IllegalArgumentException("return time " + time + " is invalid for call time " + slot.callTime);
        }
        slot.closed = true;
        slot.output = output;
        slot.returnTime = time;
    }

    /**
     * Records that a request's outcome will never be known (the client timed out or gave up). The operation may
     * have taken effect at any time after its call, or never; the checker allows both.
     *
     * @param handle the handle {@link #invoke} returned
     * @throws IllegalArgumentException if the handle is unknown
     * @throws IllegalStateException    if the operation was already completed
     */
    public synchronized void completeUnknown(long handle) {
        open(handle).closed = true;
    }

    /**
     * Returns a snapshot of the history so far. Invocations not completed yet are reported as unknown outcomes —
     * which is what they are if the run ends now, say because their client crashed.
     *
     * @return the operations in invocation order; an unmodifiable copy
     */
    public synchronized List<Operation<I, O>> history() {
        List<Operation<I, O>> ops = new ArrayList<>(slots.size());
        for (Slot<I, O> s : slots) {
            ops.add(s.output == null
                    ? Operation.unknown(s.clientId, s.input, s.callTime)
                    : new Operation<>(s.clientId, s.input, s.callTime, s.returnTime, s.output));
        }
        return List.copyOf(ops);
    }

    private Slot<I, O> open(long handle) {
        if (handle < 0 || handle >= slots.size()) {
            throw new IllegalArgumentException("no such operation handle: " + handle);
        }
        Slot<I, O> slot = slots.get((int) handle);
        if (slot.closed) {
            throw new IllegalStateException("operation " + handle + " was already completed");
        }
        return slot;
    }
}
