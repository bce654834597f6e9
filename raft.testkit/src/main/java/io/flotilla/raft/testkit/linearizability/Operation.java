package io.flotilla.raft.testkit.linearizability;

import java.util.Objects;

/**
 * One client operation as an observer saw it: what was asked, when the request was sent, when the answer came back
 * and what the answer was.
 *
 * <p>Linearizability only asks that each operation appear to take effect at some instant between its call and its
 * return, so those two times are all the checker needs to know about real-time order. Times are in any unit and from
 * any clock, as long as every operation of one history uses the same clock; they are compared, never subtracted. The
 * interval is closed: an operation returning at {@code t} and another one called at {@code t} are concurrent.
 *
 * <p><b>Unknown outcome.</b> A request that timed out, or whose client crashed, may still have taken effect — at any
 * time after its call, even long after the client gave up — or never. Such an operation is recorded with
 * {@code returnTime == Long.MAX_VALUE} and {@code output == null} (see {@link #unknown}); the checker lets it take
 * effect anywhere after its call, or not at all. Conversely a completed operation must have a non-null output, so
 * that {@link Model#step} can tell the two cases apart by {@code output == null}.
 *
 * @param clientId   the client that issued the operation; informative only (shown in explanations)
 * @param input      what was asked, never null
 * @param callTime   when the request was issued
 * @param returnTime when the answer arrived, at least {@code callTime}; {@code Long.MAX_VALUE} if never
 * @param output     the answer; null exactly when the outcome is unknown
 * @param <I>        the model's input type
 * @param <O>        the model's output type
 */
public record Operation<I, O>(int clientId, I input, long callTime, long returnTime, O output) {

    /**
     * Validates the operation.
     *
     * @param clientId the client
     * @param input what was asked
     * @param callTime when the request was issued
     * @param returnTime when the answer arrived, or {@code Long.MAX_VALUE}
     * @param output the answer, or null if the outcome is unknown
     * @throws NullPointerException     if input is null, or output is null for a completed operation
     * @throws IllegalArgumentException if {@code returnTime < callTime}, if {@code callTime} is
     *                                  {@code Long.MAX_VALUE}, or if an unknown-outcome operation has an output
     */
    public Operation {
        Objects.requireNonNull(input, "input");
        if (callTime == Long.MAX_VALUE) {
            throw new IllegalArgumentException("callTime Long.MAX_VALUE is reserved for 'never'");
        }
        if (returnTime < callTime) {
            throw new IllegalArgumentException("returnTime " + returnTime + " is before callTime " + callTime);
        }
        if (returnTime == Long.MAX_VALUE) {
            if (output != null) {
                throw new IllegalArgumentException("an operation that never returned cannot have an output: " + output);
            }
        } else {
            Objects.requireNonNull(output, "output of a completed operation (use Operation.unknown for timeouts)");
        }
    }

    /**
     * Returns an operation whose outcome is unknown: it may have taken effect at any time after {@code callTime}, or
     * never. Use it for requests that timed out and for requests still open when the client crashed.
     *
     * @param clientId the client that issued it
     * @param input    what was asked
     * @param callTime when it was issued
     * @param <I>      the input type
     * @param <O>      the output type
     * @return the operation, with {@code returnTime == Long.MAX_VALUE} and a null output
     */
    public static <I, O> Operation<I, O> unknown(int clientId, I input, long callTime) {
        return new Operation<>(clientId, input, callTime, Long.MAX_VALUE, null);
    }

    /**
     * Tells whether the outcome is unknown, that is whether the operation never returned.
     *
     * @return true if {@code returnTime == Long.MAX_VALUE}
     */
    public boolean isUnknown() {
        return returnTime == Long.MAX_VALUE;
    }

    /** Shows client, input, output and interval, e.g. {@code client 3: Get("k") -> "v" [10, 20]}. */
    @Override
    public String toString() {
        return isUnknown()
                ? "client " + clientId + ": " + input + " -> ? (outcome unknown) [" + callTime + ", never]"
                : "client " + clientId + ": " + input + " -> " + output + " [" + callTime + ", " + returnTime + "]";
    }
}
