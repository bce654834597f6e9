package io.flotilla.kv.service.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The versions a member reports: Flotilla's own (the build's), and the etcd API version clients see.
 */
public final class Versions {

    /**
     * The etcd server and cluster version reported by {@code Status}, {@code /version} and the metrics. etcd clients
     * parse it to decide which features they may use; this server implements the subset of the 3.5 API described in
     * docs/kv-service.md.
     */
    public static final String ETCD_API = "3.5.0";

    /** Flotilla's version, from the build (e.g. {@code 0.1.0-SNAPSHOT}). */
    public static final String FLOTILLA = load();

    private Versions() {
    }

    private static String load() {
        try (InputStream in = Versions.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the io.flotilla.kv.service module");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("flotilla");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
