package io.flotilla.kv.service.cli;

import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The base of every subcommand that talks to servers: connects, runs the request, prints the outcome, and turns a
 * failure into a one-line message and exit code 1.
 */
abstract class ClientCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs the request over open connections and prints the outcome.
     *
     * @param endpoints the connections
     * @param out       where results go
     * @return the exit code: 0, or 1 if the command reported failures itself
     */
    abstract int run(Endpoints endpoints, PrintWriter out);

    /** Returns the root command, which holds the connection options. */
    abstract FlotillaCli root();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Endpoints endpoints;
        try {
            endpoints = root().connect();
        } catch (IllegalArgumentException e) {
            err.println("flotilla: " + e.getMessage());
            err.flush();
            return 2;
        }
        try (endpoints) {
            int code = run(endpoints, out);
            out.flush();
            return code;
        } catch (StatusRuntimeException e) {
            out.flush();
            err.println("flotilla: " + ClientErrors.describe(e, endpoints));
            err.flush();
            return 1;
        } catch (IllegalArgumentException e) { // an argument only the command could check, e.g. a lease ID
            out.flush();
            err.println("flotilla: " + e.getMessage());
            err.flush();
            return 2;
        }
    }

    /** Subcommands directly under {@code flotilla} find the root through this. */
    abstract static class Direct extends ClientCommand {
        @ParentCommand
        FlotillaCli parent;

        @Override
        FlotillaCli root() {
            return parent;
        }
    }
}
