package io.flotilla.kv.service.api;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.SnapshotResponse;
import io.flotilla.kv.service.mvcc.BackupFile;
import io.flotilla.kv.service.node.KvNode;
import io.flotilla.raft.api.StateMachine;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams backups ({@code Maintenance.Snapshot}) in chunks of {@link #CHUNK_BYTES}, as etcd does, each sent only
 * when the client's stream is ready for it: a slow client slows its own backup down and holds one chunk of the
 * member's memory, not the backup. At most {@link #MAX_CONCURRENT} run at once, each on a thread of its own (a backup
 * of a large store takes minutes and must not hold up the network threads).
 */
final class BackupStreamer {

    private static final Logger LOG = LoggerFactory.getLogger(BackupStreamer.class);
    /** etcd's chunk size. */
    static final int CHUNK_BYTES = 32 * 1024;
    /** Backups in progress at once on a member; more are refused with RESOURCE_EXHAUSTED. */
    static final int MAX_CONCURRENT = 2;
    /**
     * How long a backup waits for a client that reads nothing before it gives up: the view it streams pins the
     * backend's old files (their space cannot be reclaimed), so a client that never reads must not hold it for ever.
     */
    static final long STALL_LIMIT_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final KvNode node;
    private final Semaphore slots = new Semaphore(MAX_CONCURRENT);
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "flotilla-backup");
        t.setDaemon(true);
        return t;
    });

    BackupStreamer(KvNode node) {
        this.node = node;
    }

    /** Starts streaming a backup to the call. */
    void stream(ServerCallStreamObserver<SnapshotResponse> call) {
        if (!slots.tryAcquire()) {
            call.onError(Status.RESOURCE_EXHAUSTED.withDescription("flotilla: " + MAX_CONCURRENT
                    + " snapshots are in progress on this member already").asRuntimeException());
            return;
        }
        Object ready = new Object();
        call.setOnReadyHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        call.setOnCancelHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        try {
            threads.execute(() -> send(call, ready));
        } catch (RejectedExecutionException e) {
            slots.release();
            call.onError(Status.UNAVAILABLE.withDescription("etcdserver: server stopped").asRuntimeException());
        }
    }

    private void send(ServerCallStreamObserver<SnapshotResponse> call, Object ready) {
        long started = System.nanoTime();
        try (StateMachine.SnapshotView view = node.openBackup();
             Chunks out = new Chunks(call, ready)) {
            BackupFile.write(view, out);
            out.flushChunk();
            call.onCompleted();
            LOG.info("member {}: snapshot sent, {} bytes in {} ms", node.self(), out.sent,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } catch (CanceledException e) {
            LOG.info("member {}: snapshot canceled by the client after {} bytes", node.self(), e.sent);
        } catch (IOException | RuntimeException e) {
            LOG.warn("member {}: snapshot failed: {}", node.self(), e.toString());
            try {
                call.onError(Status.INTERNAL.withDescription("flotilla: snapshot failed: " + e.getMessage())
                        .asRuntimeException());
            } catch (RuntimeException gone) {
                // the call ended meanwhile
            }
        } finally {
            slots.release();
        }
    }

    /** Stops the backups in progress (at shutdown). */
    void close() {
        threads.shutdownNow();
    }

    /** The client went away. */
    private static final class CanceledException extends IOException {
        final long sent;

        CanceledException(long sent) {
            super("canceled");
            this.sent = sent;
        }
    }

    /** An output stream that sends what is written in chunks, waiting for the call to be ready for each. */
    private static final class Chunks extends OutputStream {
        private final ServerCallStreamObserver<SnapshotResponse> call;
        private final Object ready;
        private final byte[] buffer = new byte[CHUNK_BYTES];
        private int filled;
        long sent;

        Chunks(ServerCallStreamObserver<SnapshotResponse> call, Object ready) {
            this.call = call;
            this.ready = ready;
        }

        @Override
        public void write(int b) throws IOException {
            if (filled == buffer.length) {
                flushChunk();
            }
            buffer[filled++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (filled == buffer.length) {
                    flushChunk();
                }
                int n = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        /** Sends the buffered bytes, once the call is ready for them. */
        void flushChunk() throws IOException {
            if (filled == 0) {
                return;
            }
            long waitingSince = System.nanoTime();
            synchronized (ready) {
                while (!call.isReady()) {
                    if (call.isCancelled()) {
                        throw new CanceledException(sent);
                    }
                    if (System.nanoTime() - waitingSince > STALL_LIMIT_NANOS) {
                        throw new IOException("the client read nothing for "
                                + TimeUnit.NANOSECONDS.toMinutes(STALL_LIMIT_NANOS) + " minutes after " + sent
                                + " bytes");
                    }
                    try {
                        ready.wait(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("the member is stopping");
                    }
                }
            }
            if (call.isCancelled()) {
                throw new CanceledException(sent);
            }
            // remaining_bytes: etcd fills in what is left of its file; a streamed backup's size is not known ahead,
            // so it is 0, which clients (etcdctl, jetcd) do not use.
            call.onNext(SnapshotResponse.newBuilder().setBlob(ByteString.copyFrom(buffer, 0, filled)).build());
            sent += filled;
            filled = 0;
        }

        @Override
        public void close() {
            // nothing: the view is closed by the caller, the call completed or failed by it
        }
    }
}
