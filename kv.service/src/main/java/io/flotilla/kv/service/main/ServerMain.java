package io.flotilla.kv.service.main;

import picocli.CommandLine;

/** The {@code flotilla-server} process: see {@link ServerCommand}. */
public final class ServerMain {

    private ServerMain() {
    }

    /**
     * Runs the server until it is stopped.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        int code = new CommandLine(new ServerCommand()).execute(args);
        System.exit(code);
    }
}
