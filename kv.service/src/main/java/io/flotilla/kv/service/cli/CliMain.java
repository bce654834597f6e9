package io.flotilla.kv.service.cli;

import picocli.CommandLine;

/** The {@code flotilla} command-line client: see {@link FlotillaCli}. */
public final class CliMain {

    private CliMain() {
    }

    /**
     * Runs one command and exits with its code.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs one command.
     *
     * @param args command-line arguments
     * @return the exit code
     */
    public static int run(String[] args) {
        return newCommandLine().execute(args);
    }

    /** Returns the command line, so tests can redirect its output. */
    public static CommandLine newCommandLine() {
        CommandLine cli = new CommandLine(new FlotillaCli());
        // txn's options are setter methods called once per occurrence, in order, so repeating them is the point.
        cli.getSubcommands().get("txn").setOverwrittenOptionsAllowed(true);
        return cli;
    }
}
