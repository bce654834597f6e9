package io.flotilla.kv.backend;

/**
 * An open backend: named tables of byte-string keys (ordered as unsigned bytes) and values, changed only through
 * atomic {@link WriteBatch}es. Reads through the backend itself see every committed batch; a {@link BackendView}
 * sees the state of one moment while writes go on.
 *
 * <p>Thread safety: every method may be called from any thread. Batches are committed one at a time per caller;
 * concurrent batches from different threads are each atomic.
 */
public interface Backend extends BackendReader, AutoCloseable {

    /**
     * Returns the handle of a table declared in the {@link BackendContext}.
     *
     * @param name the table's name
     * @return the handle, valid until the backend is closed
     * @throws IllegalArgumentException if the table was not declared
     */
    Table table(String name);

    /**
     * Starts an empty batch of changes.
     *
     * @return the batch; commit or close it
     */
    WriteBatch batch();

    /**
     * Takes a consistent view of every table as of now; later commits are not visible through it. Cheap (no copy of
     * the data on durable backends); must be closed, since it pins old data.
     *
     * @return the view
     */
    BackendView view();

    /**
     * Says whether what is committed survives closing the backend and opening it again on the same directory. A state
     * machine over a durable backend is its own snapshot (the engine compacts the log behind its synced state); over
     * one that is not, the engine keeps writing full snapshots to recover it from.
     *
     * @return true if the backend keeps its data on disk
     */
    boolean durable();

    /**
     * Makes every batch committed so far durable (an fsync of the backend's journal).
     *
     * @throws BackendException if the disk fails
     */
    void sync();

    /**
     * Returns the space the backend takes on disk (for the quota and etcd's {@code dbSize}).
     *
     * @return bytes
     */
    long sizeBytes();

    /**
     * Returns an estimate of the space the live data needs, without garbage that compaction or
     * {@link #defragment()} would reclaim (etcd's {@code dbSizeInUse}).
     *
     * @return bytes
     */
    long sizeInUseBytes();

    /**
     * Rewrites the stored data so that deleted data stops taking space; blocks until done. Reads and writes go on
     * meanwhile.
     *
     * @throws BackendException if the disk fails
     */
    void defragment();

    /**
     * Closes the backend; open views, cursors and batches must be closed first (those still open are released with
     * it). Idempotent. Afterwards the backend's other methods, and those of its views, cursors and batches, throw
     * {@link IllegalStateException}.
     */
    @Override
    void close();
}
