/**
 * Test support for Flotilla. Today it holds one tool: a linearizability checker
 * ({@link io.flotilla.raft.testkit.linearizability.LinearizabilityChecker}) that decides whether a history of client
 * operations recorded against a cluster could have come from a single, atomic copy of the state.
 *
 * <p>The module depends on the JDK only, so simulation and integration tests of any other module can use it without
 * pulling in anything else.
 */
module io.flotilla.raft.testkit {
    exports io.flotilla.raft.testkit.linearizability;
}
