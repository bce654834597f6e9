package io.flotilla.kv.service.mvcc;

import java.util.List;

/**
 * Told by {@link MvccStore} what it wrote, on the thread that writes (the apply thread), while the store is locked:
 * implementations only hand the changes on and never block.
 */
public interface ChangeListener {

    /**
     * The changes of a group are in the backend: a view opened from now on holds them.
     *
     * @param changes  the changes, in revision order and, within a revision, in the order they were made (etcd's
     *                 sub-revisions); may be empty when only the applied index moved
     * @param revision the store revision after them
     */
    void written(List<StoreChange> changes, long revision);

    /**
     * The store's content was replaced (a snapshot was installed): the changes between the old revision and the new
     * one were never {@link #written}; whoever needs them reads them from the store.
     *
     * @param revision the store revision after the replacement
     */
    void replaced(long revision);
}
