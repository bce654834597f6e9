package io.flotilla.kv.backend;

/** Reads of a {@link Backend} or of a {@link BackendView}. */
public interface BackendReader {

    /**
     * Reads one value.
     *
     * @param table the table
     * @param key   the key
     * @return a copy of the value, or null if the key is absent
     */
    byte[] get(Table table, byte[] key);

    /**
     * Opens a cursor over the keys in {@code [from, to)}, positioned at the first of them (check
     * {@link Cursor#valid()}). The range is empty when {@code to} is not after {@code from}.
     *
     * <p>A cursor reads one consistent state: a cursor of a {@link BackendView} the view's, a cursor of a
     * {@link Backend} the tables as they were when it was opened (batches committed later are not visible through
     * it, as with a view taken at that moment).
     *
     * @param table the table
     * @param from  the first key (inclusive); an empty array for the start of the table
     * @param to    the end (exclusive), or null for the end of the table
     * @return the cursor; close it
     */
    Cursor cursor(Table table, byte[] from, byte[] to);
}
