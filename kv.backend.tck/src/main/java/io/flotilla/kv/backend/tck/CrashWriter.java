package io.flotilla.kv.backend.tck;

import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.BackendProvider;
import io.flotilla.kv.backend.Backends;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The child process of {@link BackendCrashTest}: opens a backend, prints {@code OPEN <counter>}, then commits batch
 * after batch (see {@link BackendCrashTest} for what each holds), printing {@code ACK <n>} after batch {@code n}'s
 * commit returns, until the parent kills it with SIGKILL.
 *
 * <p>Arguments: the backend's name, its provider's class name, the directory, then options as {@code key=value}. The
 * provider is found by name through {@link Backends} when the backend's module is on the module path, and created by
 * class name otherwise (on the class path a module's {@code provides} clause is not seen).
 */
public final class CrashWriter {

    private CrashWriter() {
    }

    /**
     * Runs the writer until killed.
     *
     * @param args name, provider class, directory, options
     * @throws Exception if the backend cannot be opened or written
     */
    public static void main(String[] args) throws Exception {
        BackendProvider provider = Backends.names().contains(args[0])
                ? Backends.provider(args[0])
                : (BackendProvider) Class.forName(args[1]).getConstructor().newInstance();
        Path directory = Path.of(args[2]);
        Map<String, String> options = new HashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            options.put(kv[0], kv[1]);
        }
        Backend backend = provider.open(new BackendContext(directory, CrashBatches.TABLES, options));
        long n = CrashBatches.counter(backend);
        System.out.println("OPEN " + n);
        System.out.flush();
        while (true) {
            n++;
            CrashBatches.commit(backend, n);
            System.out.println("ACK " + n);
            System.out.flush();
        }
    }
}
