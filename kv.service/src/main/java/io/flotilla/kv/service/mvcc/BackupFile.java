package io.flotilla.kv.service.mvcc;

import com.google.common.io.CountingOutputStream;
import com.google.protobuf.ByteString;
import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.BackendContext;
import io.flotilla.kv.backend.Backends;
import io.flotilla.kv.service.internal.proto.command.Query;
import io.flotilla.kv.service.internal.proto.command.QueryResult;
import io.flotilla.kv.service.internal.proto.etcd.HashKVRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.raft.api.StateMachine;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/**
 * A backup of a member's store ({@code Maintenance.Snapshot}, {@code etcdctl snapshot save}): the store's snapshot
 * stream (every table of a consistent backend view, {@link SnapshotCodec}), zeros up to a multiple of 512 bytes, and
 * the SHA-256 of all that, as etcd appends a SHA-256 to its page-sized database file. The hash makes a damaged or truncated file fail before anything is
 * restored from it.
 */
public final class BackupFile {

    /** Length of the SHA-256 that ends the file. */
    public static final int HASH_BYTES = 32;
    /** The stream is padded to a multiple of this, as etcd's database file (see {@link #write}). */
    private static final int PAGE = 512;

    /**
     * What {@code flotilla snapshot status} shows about a backup.
     *
     * @param revision  the store revision it holds
     * @param totalKeys live keys at that revision
     * @param hash      etcd's HashKV of its history (CRC-32C): equal to {@code etcdctl endpoint hashkv --rev R} of
     *                  the members it came from, while R is not compacted there
     * @param size      the file's size in bytes
     * @param sha256    the hash ending the file, in hex
     */
    public record Summary(long revision, long totalKeys, long hash, long size, String sha256) {
    }

    private BackupFile() {
    }

    /**
     * Writes a backup: the view's snapshot stream, then its SHA-256.
     *
     * @param view what to back up; not closed here
     * @param out  where to write
     * @throws IOException if writing fails
     */
    public static void write(StateMachine.SnapshotView view, OutputStream out) throws IOException {
        MessageDigest sha = sha256();
        CountingOutputStream counted = new CountingOutputStream(out);
        DigestOutputStream hashed = new DigestOutputStream(counted, sha);
        view.writeTo(hashed);
        // etcdctl (3.4 and 3.5) refuses a saved file whose size is not a multiple of 512 plus the hash, the shape of
        // etcd's page-sized database file: pad with zeros, which the restore never reads (the stream ends before).
        hashed.write(new byte[(int) ((PAGE - counted.getCount() % PAGE) % PAGE)]);
        hashed.flush();
        out.write(sha.digest());
        out.flush();
    }

    /**
     * Checks that a file is a whole backup: its last {@link #HASH_BYTES} bytes are the SHA-256 of the rest.
     *
     * @param file the backup
     * @return the hash, in hex
     * @throws IOException naming the file, if it cannot be read, is too short or its hash does not match
     */
    public static String verify(Path file) throws IOException {
        long size = Files.size(file);
        if (size <= HASH_BYTES) {
            throw new IOException("snapshot file " + file + " is " + size + " bytes: too short to be a backup");
        }
        MessageDigest sha = sha256();
        byte[] stored = new byte[HASH_BYTES];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] buffer = new byte[1 << 16];
            long left = size - HASH_BYTES;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("snapshot file " + file + " ended early");
                }
                sha.update(buffer, 0, n);
                left -= n;
            }
            if (in.readNBytes(stored, 0, HASH_BYTES) != HASH_BYTES) {
                throw new IOException("snapshot file " + file + " ended early");
            }
        }
        byte[] computed = sha.digest();
        if (!Arrays.equals(stored, computed)) {
            throw new IOException("snapshot file " + file + " is damaged or incomplete: its SHA-256 is "
                    + HexFormat.of().formatHex(computed) + " but the file says " + HexFormat.of().formatHex(stored));
        }
        return HexFormat.of().formatHex(stored);
    }

    /**
     * Verifies a backup, then writes it into a new, empty store directory on the named backend, as the state a new
     * cluster starts from (applied index 0: each member's log starts empty and applies on top of it).
     *
     * @param file      the backup
     * @param directory the store directory to create ({@code <data-dir>/kv}); must not exist or be empty
     * @param backend   the backend's name, e.g. {@code rocksdb}
     * @param options   the backend's options
     * @return what the restored store holds
     * @throws IOException if the file is damaged or the directory is in use
     */
    public static Summary restore(Path file, Path directory, String backend, Map<String, String> options)
            throws IOException {
        String sha = verify(file);
        if (Files.isDirectory(directory)) {
            try (var entries = Files.list(directory)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(directory + " is not empty: restore into a new data directory");
                }
            }
        }
        Files.createDirectories(directory);
        Backend opened = Backends.provider(backend).open(new BackendContext(directory, MvccStore.tables(), options));
        try (KvStateMachine machine = new KvStateMachine(new MvccStore(opened))) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                machine.restoreSnapshot(in, 0);
            }
            return summary(machine, Files.size(file), sha);
        }
    }

    /**
     * Verifies a backup and describes it, by restoring it into a scratch store that is deleted afterwards.
     *
     * @param file    the backup
     * @param scratch an empty directory for the scratch store
     * @param backend the backend to restore into
     * @return the summary
     * @throws IOException if the file is damaged
     */
    public static Summary inspect(Path file, Path scratch, String backend) throws IOException {
        return restore(file, scratch.resolve("kv"), backend, Map.of());
    }

    private static Summary summary(KvStateMachine machine, long size, String sha) throws IOException {
        QueryResult count = QueryResult.parseFrom(machine.query(Query.newBuilder().setRange(RangeRequest.newBuilder()
                .setKey(ByteString.copyFrom(new byte[] {0})).setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                .setCountOnly(true).setSerializable(true)).build().toByteArray()));
        QueryResult hash = QueryResult.parseFrom(machine.query(Query.newBuilder()
                .setHashKv(HashKVRequest.getDefaultInstance()).build().toByteArray()));
        return new Summary(machine.revision(), count.getRange().getCount(), hash.getHashKv().getHash() & 0xFFFFFFFFL,
                size, sha);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
