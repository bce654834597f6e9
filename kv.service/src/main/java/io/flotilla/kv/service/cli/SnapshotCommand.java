package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.MaintenanceGrpc;
import io.flotilla.kv.service.internal.proto.etcd.SnapshotRequest;
import io.flotilla.kv.service.internal.proto.etcd.SnapshotResponse;
import io.flotilla.kv.service.mvcc.BackupFile;
import io.flotilla.kv.service.node.BackendSettings;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla snapshot save|status|restore}: backups, as {@code etcdctl snapshot save} and {@code etcdutl
 * snapshot status|restore}.
 */
@Command(name = "snapshot", description = "Backups: save one from a member, show one, restore one into a new data "
        + "directory.", subcommands = {SnapshotCommand.Save.class, SnapshotCommand.StatusOf.class,
            SnapshotCommand.Restore.class})
final class SnapshotCommand {

    @ParentCommand
    FlotillaCli parent;

    /** {@code flotilla snapshot save FILE}: streams a backup from the first endpoint that answers. */
    @Command(name = "save", description = "Saves a backup of a member's store to FILE (written to FILE.part, checked,"
            + " synced, then renamed).")
    static final class Save extends ClientCommand {

        @ParentCommand
        SnapshotCommand snapshot;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        FlotillaCli root() {
            return snapshot.parent;
        }

        @Override
        int run(Endpoints endpoints, PrintWriter out) {
            Path part = file.resolveSibling(file.getFileName() + ".part");
            try {
                endpoints.read(channel -> {
                    // No deadline: a large store takes as long as it takes; the server sends as this side reads.
                    Iterator<SnapshotResponse> chunks = MaintenanceGrpc.newBlockingStub(channel)
                            .snapshot(SnapshotRequest.getDefaultInstance());
                    try (OutputStream o = Files.newOutputStream(part)) {
                        while (chunks.hasNext()) {
                            chunks.next().getBlob().writeTo(o);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return null;
                });
                BackupFile.verify(part);
                try (FileChannel c = FileChannel.open(part, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | UncheckedIOException e) {
                deleteQuietly(part);
                out.flush();
                spec.commandLine().getErr().println("flotilla: cannot save the snapshot to " + file + ": "
                        + e.getMessage());
                spec.commandLine().getErr().flush();
                return 1;
            } catch (StatusRuntimeException e) {
                deleteQuietly(part);
                throw e;
            }
            out.println("Snapshot saved at " + file);
            return 0;
        }
    }

    /** {@code flotilla snapshot status FILE}: checks a backup and shows what it holds. */
    @Command(name = "status", description = "Checks a backup and prints: hash (HashKV, hex), revision, total keys, "
            + "total size; the hash equals `etcdctl endpoint hashkv --rev REVISION` on the members it came from.")
    static final class StatusOf implements Callable<Integer> {

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() {
            Path scratch = null;
            try {
                scratch = Files.createTempDirectory("flotilla-snapshot-status");
                BackupFile.Summary s = BackupFile.inspect(file, scratch, BackendSettings.DEFAULT_BACKEND);
                PrintWriter out = spec.commandLine().getOut();
                out.println(Long.toHexString(s.hash()) + ", " + s.revision() + ", " + s.totalKeys() + ", "
                        + s.size() + " B");
                out.flush();
                return 0;
            } catch (IOException | RuntimeException e) {
                return fail(spec, e);
            } finally {
                deleteRecursively(scratch);
            }
        }
    }

    /** {@code flotilla snapshot restore FILE --data-dir DIR}: the store a member of a new cluster starts from. */
    @Command(name = "restore", description = {"Restores a backup into a new data directory, for one member of a new "
            + "cluster: restore the same file once per member, then start each member on its directory.",
        "The members start with empty Raft logs and the restored store; their cluster is whatever their "
            + "configuration lists (etcdutl's --initial-cluster)."})
    static final class Restore implements Callable<Integer> {

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--data-dir", required = true, paramLabel = "DIR",
                description = "The new member's data directory; must not hold a member's data.")
        Path dataDir;

        @Option(names = "--backend", paramLabel = "NAME", defaultValue = BackendSettings.DEFAULT_BACKEND,
                description = "Backend of the restored store, as the member's configuration names it (default: "
                        + "${DEFAULT-VALUE}).")
        String backend;

        @Option(names = "--backend-option", paramLabel = "KEY=VALUE", description = "Backend option; repeatable.")
        Map<String, String> backendOptions = new LinkedHashMap<>();

        @Override
        public Integer call() {
            try {
                for (String held : new String[] {"log", "snapshots"}) {
                    if (Files.exists(dataDir.resolve(held))) {
                        throw new IOException(dataDir + " holds a member's data already (" + held + "/): restore "
                                + "into a new data directory");
                    }
                }
                BackupFile.Summary s = BackupFile.restore(file, dataDir.resolve("kv"), backend, backendOptions);
                PrintWriter out = spec.commandLine().getOut();
                out.println("restored revision " + s.revision() + " (" + s.totalKeys() + " keys, hash "
                        + Long.toHexString(s.hash()) + ") into " + dataDir);
                out.flush();
                return 0;
            } catch (IOException | RuntimeException e) {
                return fail(spec, e);
            }
        }
    }

    private static int fail(CommandLine.Model.CommandSpec spec, Exception e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("flotilla: " + e.getMessage());
        err.flush();
        return 1;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover .part file says what happened
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(SnapshotCommand::deleteQuietly);
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
