package io.flotilla.distribution;

import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla}: the one launcher of the runtime image.
 *
 * <ul>
 *   <li>{@code flotilla server ...} runs {@code io.flotilla.kv.service.main.ServerMain} (one cluster member);</li>
 *   <li>{@code flotilla get|put|del|txn|member|status|...} and any other first word run
 *       {@code io.flotilla.kv.service.cli.CliMain}, so client commands kv.service adds later work unchanged;</li>
 *   <li>{@code flotilla demo} runs {@link DemoCommand} (a local three-member cluster);</li>
 *   <li>{@code flotilla}, {@code --help}, {@code --version} and {@code help [demo|server]} are answered here.</li>
 * </ul>
 *
 * The first word is dispatched before any parsing, so each command keeps its own options, help and exit codes.
 */
@Command(name = "flotilla", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Flotilla: a key-value store replicated with Raft that speaks the etcd v3 API.",
        footer = {"", "'flotilla COMMAND --help' shows a command's options. Client commands talk to --endpoints "
                + "(default 127.0.0.1:2379), given before or after the command."})
public final class Main implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** Creates the root command; picocli fills the fields. */
    public Main() {
    }

    /**
     * Runs one command and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs one command. {@code server} and the client commands end the JVM themselves.
     *
     * @param args the command line
     * @return the exit code
     */
    static int run(String[] args) {
        String first = args.length == 0 ? "" : args[0];
        switch (first) {
            case "server":
                return KvService.runMain(KvService.SERVER_MAIN, "server", Arrays.copyOfRange(args, 1, args.length),
                        System.err);
            case "", "demo", "-h", "--help", "-V", "--version":
                return commandLine().execute(args);
            case "help":
                if (args.length > 1 && args[1].equals("server")) {
                    return KvService.runMain(KvService.SERVER_MAIN, "server", new String[] {"--help"}, System.err);
                }
                if (args.length > 1 && !args[1].equals("demo") && !args[1].startsWith("-")) {
                    return KvService.runMain(KvService.CLIENT_MAIN, args[1], args, System.err);
                }
                return commandLine().execute(args);
            default:
                return KvService.runMain(KvService.CLIENT_MAIN, first, args, System.err);
        }
    }

    /** Without a command: the usage, as an error. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("flotilla: missing command");
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /**
     * The command line used for {@code demo} and for the help: the demo for real, the server and the client commands
     * as entries that only describe them (they never run through this parser).
     */
    static CommandLine commandLine() {
        CommandLine root = new CommandLine(new Main());
        root.addSubcommand("server", describing("server", KvService.module().isPresent()
                ? "Runs one member of a cluster: flotilla server --config FILE (see flotilla server --help)."
                : "Not available in this build (no " + KvService.MODULE + " in the runtime image)."));
        root.addSubcommand("demo", new DemoCommand());
        KvService.type(KvService.CLIENT_COMMAND).ifPresent(client -> {
            CommandLine clientCli = new CommandLine(client);
            clientCli.getSubcommands().forEach((name, sub) -> {
                if (!name.equals("help")) {
                    String[] description = sub.getCommandSpec().usageMessage().description();
                    root.addSubcommand(name, describing(name, description.length == 0 ? "" : description[0]));
                }
            });
        });
        root.addSubcommand("help", new CommandLine.HelpCommand());
        return root;
    }

    private static CommandSpec describing(String name, String description) {
        CommandSpec spec = CommandSpec.create().name(name);
        spec.usageMessage().description(description);
        return spec;
    }

    /** {@code --version}: the module's version and the runtime's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getModule().getDescriptor() == null ? "(unnamed module)"
                    : Main.class.getModule().getDescriptor().rawVersion().orElse("unknown");
            return new String[] {"flotilla " + version,
                    "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }
}
