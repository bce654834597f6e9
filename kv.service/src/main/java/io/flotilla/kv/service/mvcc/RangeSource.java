package io.flotilla.kv.service.mvcc;

/** Reads ranges at a revision: the {@link MvccStore} itself, or a write batch that sees its own changes. */
public interface RangeSource {

    /**
     * Reads a range at a revision: the first {@code maxRecords} records in key order, and the number of keys.
     *
     * @param range      the keys
     * @param at         a revision that {@link MvccStore#readableRevision} accepted
     * @param maxRecords how many records to return at most (the rest are only counted)
     * @return the records and the count
     */
    MvccStore.Scan scan(KeyRange range, long at, int maxRecords);
}
