package io.flotilla.kv.backend;

/** The handle of a named table of a {@link Backend}; obtained from {@link Backend#table(String)}. */
public interface Table {

    /** {@return the table's name, as declared in the {@link BackendContext}} */
    String name();
}
