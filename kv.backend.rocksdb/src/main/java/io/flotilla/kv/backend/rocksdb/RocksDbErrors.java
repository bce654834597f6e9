package io.flotilla.kv.backend.rocksdb;

import io.flotilla.kv.backend.BackendException;
import io.flotilla.kv.backend.CorruptBackendException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Turns RocksDB's errors into the SPI's: a full disk, damaged files (named), a directory in use, anything else. */
final class RocksDbErrors {

    /** Data files first: RocksDB names the damaged table file and then, as a suspect, the MANIFEST. */
    private static final Pattern DATA_FILE = Pattern.compile("[^\\s:,]*\\d+\\.(?:sst|blob|log)");
    private static final Pattern META_FILE = Pattern.compile("[^\\s:,]*(?:MANIFEST-\\d+|CURRENT|OPTIONS-\\d+)");

    private RocksDbErrors() {
    }

    /**
     * Translates an error.
     *
     * @param directory the backend's directory, named in every message
     * @param action    what was being done, e.g. {@code "open"}
     * @param e         RocksDB's error
     * @return the exception to throw
     */
    static BackendException translate(Path directory, String action, RocksDBException e) {
        String where = "rocksdb backend " + directory;
        Status status = e.getStatus();
        String message = e.getMessage() != null ? e.getMessage()
                : status != null && status.getState() != null ? status.getState() : String.valueOf(status);
        if (isNoSpace(status, message)) {
            return new BackendException(where + ": " + action + " failed: no space left on the device (" + message
                    + ")", e, true);
        }
        if (status != null && status.getCode() == Status.Code.Corruption) {
            String file = damagedFile(directory, message);
            return new CorruptBackendException(where + ": " + action + " failed: "
                    + (file != null ? "file " + file + " is damaged" : "damaged data (RocksDB names no file)")
                    + ": " + message, e);
        }
        if (isLocked(message)) {
            return new BackendException(where + " is in use by another process (or already open in this one): "
                    + "RocksDB cannot lock its LOCK file: " + message, e);
        }
        return new BackendException(where + ": " + action + " failed: " + message, e);
    }

    private static boolean isNoSpace(Status status, String message) {
        return status != null && status.getSubCode() == Status.SubCode.NoSpace
                || message.contains("No space left on device") || message.contains("ENOSPC");
    }

    private static boolean isLocked(String message) {
        return message.contains("While lock file") || message.contains("lock hold by current process");
    }

    /** {@return the file RocksDB's message names, as a path in the directory, or null} */
    static String damagedFile(Path directory, String message) {
        for (Pattern pattern : new Pattern[] {DATA_FILE, META_FILE}) {
            Matcher m = pattern.matcher(message);
            if (m.find()) {
                Path file = Path.of(m.group());
                return (file.isAbsolute() ? file : directory.resolve(file)).toString();
            }
        }
        return null;
    }
}
