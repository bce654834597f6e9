package io.flotilla.kv.backend;

/**
 * A consistent, read-only view of every table as of the moment it was taken, for snapshots, background compaction
 * and readers that must not see half of a later batch. Usable from any thread; close it to release what it pins.
 */
public interface BackendView extends BackendReader, AutoCloseable {

    /** Releases the view; cursors opened from it must be closed first. Idempotent. */
    @Override
    void close();
}
