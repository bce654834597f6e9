package io.flotilla.raft.testkit.linearizability;

/** The outcome of a linearizability check; see {@link CheckResult#verdict()}. */
public enum Verdict {

    /** The history is linearizable: some order of its operations agrees with real time and with the model. */
    OK,

    /** The history is not linearizable: no order of its operations agrees with both real time and the model. */
    ILLEGAL,

    /**
     * The search did not finish in time, so nothing is known. Not a failure of the system under test, but a test
     * should not count it as a pass either: it usually means a partition has too many concurrent operations.
     */
    TIMED_OUT
}
