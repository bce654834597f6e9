package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.Table;
import org.rocksdb.ColumnFamilyHandle;

/** A table of the {@code rocksdb} backend: its column family. */
final class RocksDbTable implements Table {

    private final String name;
    final RocksDbBackend owner;
    final ColumnFamilyHandle family;

    RocksDbTable(String name, RocksDbBackend owner, ColumnFamilyHandle family) {
        this.name = name;
        this.owner = owner;
        this.family = family;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
