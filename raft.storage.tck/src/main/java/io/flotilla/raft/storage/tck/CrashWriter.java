package io.flotilla.raft.storage.tck;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreContext;
import io.flotilla.raft.api.spi.LogStoreProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The child process of {@link LogStoreCrashTest}: opens a store, then appends batches forever, printing
 * {@code ACK <lastIndex> <term>} after each write returns. The parent kills it with SIGKILL at a random moment; every
 * index it saw acknowledged must then be in the store.
 *
 * <p>Arguments: the provider's class name, the directory, the term to write in, then options as {@code key=value}.
 * The provider is created by class name rather than found through ServiceLoader because the child runs on the class
 * path, where a module's {@code provides} clause is not seen.
 */
public final class CrashWriter {

    private CrashWriter() {
    }

    /**
     * Runs the writer until killed.
     *
     * @param args provider class, directory, term, options
     * @throws Exception if the store cannot be opened or written
     */
    public static void main(String[] args) throws Exception {
        LogStoreProvider provider = (LogStoreProvider) Class.forName(args[0]).getConstructor().newInstance();
        Path directory = Path.of(args[1]);
        long term = Long.parseLong(args[2]);
        Map<String, String> options = new HashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            options.put(kv[0], kv[1]);
        }
        LogStore store = provider.open(new LogStoreContext(NodeId.of("n1"), directory, options));
        System.out.println("OPEN " + store.lastIndex());
        System.out.flush();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (true) {
            long next = store.lastIndex() + 1;
            int count = 1 + random.nextInt(16);
            List<LogEntry> batch = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                batch.add(TestEntries.entry(next + i, term, sizeOf(next + i)));
            }
            store.write(new PersistentState(term, null), batch);
            System.out.println("ACK " + (next + count - 1) + " " + term);
            System.out.flush();
        }
    }

    /**
     * Returns the payload size the writer uses for an index: varied, so that entries of different sizes are torn.
     *
     * @param index the index
     * @return the size in bytes
     */
    public static int sizeOf(long index) {
        return (int) (index * 37 % 2000);
    }
}
