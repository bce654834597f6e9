package io.flotilla.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The search for a linearization of one partition: Wing &amp; Gong's depth-first search over the event list, with
 * Lowe's memoization. See {@link LinearizabilityChecker} for the algorithm.
 *
 * <p>Candidates for the next operation are the calls before the first remaining return (the <em>window</em>). The
 * window is scanned in three passes, and the first legal candidate not pruned by the memo is linearized; on
 * backtracking, the scan resumes after the undone operation, in the pass that had chosen it. The passes only order the
 * search, every candidate is still tried:
 * <ol>
 *   <li>Completed operations that leave the state unchanged here (reads, failed CASes). Placing a read while its
 *       value is current is usually right, while placing a concurrent write first usually sends the search down a
 *       branch that a later read refutes.</li>
 *   <li>The other completed operations.</li>
 *   <li>Operations of unknown outcome that change the state. One that would leave the state unchanged here is not
 *       tried here: any order placing it now works as well without it.</li>
 * </ol>
 *
 * <p>Operations of unknown outcome have no return event, so they stay candidates for the rest of the search, and each
 * one that never took effect could double the configurations to explore. Hence the memo keys on (completed operations
 * linearized, state) and records which unknown operations each visit had used: a configuration is skipped when a
 * visited one had the same key and used a subset of its unknown operations, as that one had every option this one
 * has, and more. Trying unknown operations last makes the smaller sets come first. Without unknown operations the
 * memo is exactly Lowe's.
 *
 * <p>Single use: construct, {@link #run()}, then read the evidence if the outcome is ILLEGAL.
 */
final class Search<S, I, O> {

    enum Outcome { OK, ILLEGAL, TIMED_OUT, TOO_LARGE }

    /**
     * Configurations remembered at most: the memo is the search's memory, and a history hard enough to need more
     * (many unknown outcomes overlapping) would otherwise exhaust the heap of the test that checks it.
     */
    static final int MAX_REMEMBERED = 1_000_000;

    /** The clock is read once per this many steps (a power of two minus one, used as a mask): nanoTime isn't free. */
    private static final int CLOCK_MASK = 1023;

    /** Window passes, in order; see the class comment. */
    private static final int PASS_UNCHANGED = 0;
    private static final int PASS_COMPLETED = 1;
    private static final int PASS_UNKNOWN = 2;

    /** A call or return event in the doubly-linked event list. */
    private static final class Entry {
        final int id;
        final boolean call;
        final boolean unknown;
        final long time;
        /** Index in {@link #completed} or {@link #unknowns}, which number the two kinds of operation separately. */
        int bit;
        /** For a call, its return (null if the outcome is unknown); for a return, its call. */
        Entry match;
        Entry prev;
        Entry next;

        Entry(int id, boolean call, boolean unknown, long time) {
            this.id = id;
            this.call = call;
            this.unknown = unknown;
            this.time = time;
        }
    }

    /** A memo key: completed operations linearized, and state. Probe keys share the live bit set; stored ones copy. */
    private static final class Config {
        final Bits completed;
        final Object state;
        final int hash;

        Config(Bits completed, Object state) {
            this.completed = completed;
            this.state = state;
            this.hash = Long.hashCode(completed.hash()) * 31 + Objects.hashCode(state);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && hash == c.hash && completed.sameBits(c.completed)
                    && Objects.equals(state, c.state);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** Calls first at equal times: intervals are closed, so touching intervals are concurrent. */
    private static final Comparator<Entry> EVENT_ORDER = Comparator.<Entry>comparingLong(e -> e.time)
            .thenComparing(e -> !e.call)
            .thenComparingInt(e -> e.id);

    private final Model<S, I, O> model;
    private final List<Operation<I, O>> ops;
    private final BooleanSupplier expired;

    private final Bits completed;
    private final Bits unknowns;
    /** For each visited key, the sets of unknown operations used by the visits (none a subset of another). */
    private final Map<Config, List<Bits>> memo = new HashMap<>();

    /** The state after the operation that {@link #isCandidate} last accepted. */
    private S candidateState;

    private int bestDepth = -1;
    private List<Operation<I, O>> bestPrefix = List.of();
    private List<S> bestStates = List.of();
    private S bestState;
    private List<Operation<I, O>> bestStuck = List.of();

    Search(Model<S, I, O> model, List<Operation<I, O>> ops, BooleanSupplier expired) {
        this.model = model;
        this.ops = List.copyOf(ops);
        this.expired = expired;
        int unknownOps = (int) this.ops.stream().filter(Operation::isUnknown).count();
        this.completed = new Bits(this.ops.size() - unknownOps);
        this.unknowns = new Bits(unknownOps);
    }

    Outcome run() {
        Entry head = new Entry(-1, true, false, Long.MIN_VALUE);
        int remaining = buildEventList(head);
        Entry[] stack = new Entry[ops.size()];
        int[] passes = new int[ops.size()];
        List<S> statesBefore = new ArrayList<>();
        int depth = 0;
        S state = model.initialState();
        Entry entry = head.next;
        int pass = PASS_UNCHANGED;
        long steps = 0;

        // Invariant: while a completed operation is left, the list holds its return, so a scan from head.next meets
        // a return before running off the end and entry is never null.
        while (remaining > 0) {
            if ((++steps & CLOCK_MASK) == 0 && expired.getAsBoolean()) {
                return Outcome.TIMED_OUT;
            }
            if (memo.size() > MAX_REMEMBERED) {
                return Outcome.TOO_LARGE;
            }
            if (entry.call) {
                if (isCandidate(entry, state, pass) && remember(entry, candidateState)) {
                    S next = candidateState;
                    passes[depth] = pass;
                    stack[depth++] = entry;
                    statesBefore.add(state);
                    state = next;
                    lift(entry);
                    if (!entry.unknown) {
                        remaining--;
                    }
                    entry = head.next;
                    pass = PASS_UNCHANGED;
                } else {
                    entry = entry.next;
                }
            } else if (pass < PASS_UNKNOWN) {
                pass++;
                entry = head.next;
            } else {
                // Every candidate failed, yet this return's operation should have taken effect by now: backtrack.
                if (depth > bestDepth) {
                    recordDeadEnd(head, entry, stack, depth, statesBefore, state);
                }
                if (depth == 0) {
                    return Outcome.ILLEGAL;
                }
                Entry undone = stack[--depth];
                state = statesBefore.remove(depth);
                (undone.unknown ? unknowns : completed).clear(undone.bit);
                unlift(undone);
                if (!undone.unknown) {
                    remaining++;
                }
                // Resume the scan after it, in the pass that had chosen it.
                pass = passes[depth];
                entry = undone.next;
            }
        }
        return Outcome.OK;
    }

    /**
     * Tells whether the current pass should try {@code call}'s operation and the model accepts it; if so, leaves
     * the state after it in {@link #candidateState}.
     */
    private boolean isCandidate(Entry call, S state, int pass) {
        if (call.unknown != (pass == PASS_UNKNOWN)) {
            return false;
        }
        Operation<I, O> op = ops.get(call.id);
        StepResult<S> result = Objects.requireNonNull(model.step(state, op.input(), op.output()),
                "Model.step returned null");
        if (!result.isLegal()) {
            return false;
        }
        candidateState = result.nextState();
        boolean unchanged = Objects.equals(candidateState, state);
        // Unknown operations that change nothing are never needed: they may as well not have taken effect.
        return unchanged == (pass == PASS_UNCHANGED);
    }

    /**
     * Marks {@code call}'s operation linearized, leading to state {@code next}, unless a visited configuration
     * dominates the result. Returns whether it did.
     */
    private boolean remember(Entry call, S next) {
        Bits set = call.unknown ? unknowns : completed;
        set.set(call.bit);
        List<Bits> visits = memo.get(new Config(completed, next));
        if (visits == null) {
            visits = new ArrayList<>(1);
            memo.put(new Config(completed.copy(), next), visits);
        } else {
            for (Bits used : visits) {
                if (used.subsetOf(unknowns)) {
                    set.clear(call.bit);
                    return false;
                }
            }
            visits.removeIf(unknowns::subsetOf); // dominated by this visit from now on
        }
        visits.add(unknowns.copy());
        return true;
    }

    /** Links the events of all operations after {@code head}, in time order; returns the number of completed ops. */
    private int buildEventList(Entry head) {
        List<Entry> events = new ArrayList<>(2 * ops.size());
        int completedOps = 0;
        int unknownOps = 0;
        for (int i = 0; i < ops.size(); i++) {
            Operation<I, O> op = ops.get(i);
            Entry call = new Entry(i, true, op.isUnknown(), op.callTime());
            call.bit = op.isUnknown() ? unknownOps++ : completedOps;
            events.add(call);
            if (!op.isUnknown()) {
                // An unknown-outcome operation gets no return event: nothing forces it to take effect by a deadline,
                // and the search ends once every completed operation is placed, so it may also never take effect.
                Entry ret = new Entry(i, false, false, op.returnTime());
                call.match = ret;
                ret.match = call;
                events.add(ret);
                completedOps++;
            }
        }
        events.sort(EVENT_ORDER);
        Entry prev = head;
        for (Entry e : events) {
            prev.next = e;
            e.prev = prev;
            prev = e;
        }
        return completedOps;
    }

    /** Unlinks a call and its return; their own links stay, so {@link #unlift} can put them back. */
    private static void lift(Entry call) {
        unlink(call);
        if (call.match != null) {
            unlink(call.match);
        }
    }

    /** Relinks what {@link #lift} unlinked, in reverse order (dancing links). */
    private static void unlift(Entry call) {
        if (call.match != null) {
            relink(call.match);
        }
        relink(call);
    }

    private static void unlink(Entry e) {
        e.prev.next = e.next;
        if (e.next != null) {
            e.next.prev = e.prev;
        }
    }

    private static void relink(Entry e) {
        e.prev.next = e;
        if (e.next != null) {
            e.next.prev = e;
        }
    }

    /** Keeps the deepest dead end as evidence: the order that got there, and the candidates none of which worked. */
    private void recordDeadEnd(Entry head, Entry stuckReturn, Entry[] stack, int depth, List<S> statesBefore,
                               S state) {
        bestDepth = depth;
        List<Operation<I, O>> prefix = new ArrayList<>(depth);
        List<S> after = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            prefix.add(ops.get(stack[i].id));
            after.add(i + 1 < depth ? statesBefore.get(i + 1) : state);
        }
        List<Operation<I, O>> stuck = new ArrayList<>();
        stuck.add(ops.get(stuckReturn.id));
        for (Entry e = head.next; e.call; e = e.next) {
            if (e.id != stuckReturn.id) {
                stuck.add(ops.get(e.id));
            }
        }
        bestPrefix = prefix;
        bestStates = after;
        bestState = state;
        bestStuck = stuck;
    }

    /** For ILLEGAL: the longest linearized order found, in order. */
    List<Operation<I, O>> bestPrefix() {
        return bestPrefix;
    }

    /** For ILLEGAL: the model state after each operation of {@link #bestPrefix()}. */
    List<S> bestStates() {
        return bestStates;
    }

    /** For ILLEGAL: the state at the end of {@link #bestPrefix()}. */
    S bestState() {
        return bestState;
    }

    /** For ILLEGAL: the operation whose return ended the deepest branch, then the other candidates at that point. */
    List<Operation<I, O>> bestStuck() {
        return bestStuck;
    }

    int size() {
        return ops.size();
    }

    Model<S, I, O> model() {
        return model;
    }
}
