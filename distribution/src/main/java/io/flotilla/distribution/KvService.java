package io.flotilla.distribution;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * The entry points of {@code io.flotilla.kv.service}, called by name.
 *
 * <p>kv.service exports no package, so its classes are looked up in the boot layer and their {@code main} methods
 * called reflectively. That call is legal because the image's {@code java} is linked with
 * {@code --add-exports io.flotilla.kv.service/<package>=io.flotilla.distribution} for the two packages below (and
 * {@code --add-modules io.flotilla.kv.service}, which puts the module in the boot layer). An image linked without
 * kv.service has neither, and every command that needs it says so instead of failing obscurely.
 */
final class KvService {

    /** The module that holds the server and the client. */
    static final String MODULE = "io.flotilla.kv.service";
    /** {@code flotilla server}: one member of a cluster. */
    static final String SERVER_MAIN = "io.flotilla.kv.service.main.ServerMain";
    /** {@code flotilla get|put|...}: the client. */
    static final String CLIENT_MAIN = "io.flotilla.kv.service.cli.CliMain";
    /** The client's root picocli command, read for the list of client commands in {@code flotilla --help}. */
    static final String CLIENT_COMMAND = "io.flotilla.kv.service.cli.FlotillaCli";

    private KvService() {
    }

    /** {@return the kv.service module, if this runtime has it} */
    static Optional<Module> module() {
        return ModuleLayer.boot().findModule(MODULE);
    }

    /** {@return the kv.service class with this name, if the runtime has it} */
    static Optional<Class<?>> type(String className) {
        return module().map(m -> Class.forName(m, className));
    }

    /**
     * Runs {@code main(args)} of a kv.service class. The entry points end the JVM themselves with their exit code; if
     * one returns, this returns 0.
     *
     * @param className the class
     * @param command   the command the user typed, for messages
     * @param args      its arguments
     * @param err       where problems are reported
     * @return the exit code when the entry point could not be run
     */
    static int runMain(String className, String command, String[] args, PrintStream err) {
        Optional<Class<?>> type = type(className);
        if (type.isEmpty()) {
            err.println("flotilla: '" + command + "' is not available in this build: "
                    + (module().isEmpty() ? "the runtime image has no module " + MODULE
                    : MODULE + " has no class " + className));
            return 2;
        }
        Method main;
        try {
            main = type.get().getMethod("main", String[].class);
        } catch (NoSuchMethodException e) {
            err.println("flotilla: '" + command + "' is not available in this build: " + className
                    + " has no main method");
            return 2;
        }
        try {
            main.invoke(null, (Object) args);
            return 0;
        } catch (IllegalAccessException e) {
            err.println("flotilla: cannot run " + className + ": " + e.getMessage() + ". Run it through the image's "
                    + "bin/flotilla or bin/java, which are linked with --add-exports for it (docs/distribution.md).");
            return 2;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        }
    }
}
