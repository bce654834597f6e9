package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.ops.Versions;
import picocli.CommandLine;

/** What {@code flotilla --version} and {@code flotilla-server --version} print: the build's version and the API's. */
public final class FlotillaVersion implements CommandLine.IVersionProvider {

    /** Creates the provider; picocli does. */
    public FlotillaVersion() {
    }

    @Override
    public String[] getVersion() {
        return new String[] {"flotilla " + Versions.FLOTILLA + " (etcd API " + Versions.ETCD_API + ")"};
    }
}
