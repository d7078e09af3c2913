package io.buenavista.core.duckdb;

/**
 * How {@link DuckDbHandler} opens its database.
 *
 * @param databasePath    the database file, or null for a private in-memory database
 * @param readOnly        open the file read only (ignored for in-memory databases, which DuckDB cannot open so)
 * @param threads         DuckDB's {@code threads} setting, or null for DuckDB's default (one per core)
 * @param memoryLimit     DuckDB's {@code memory_limit} (e.g. {@code "2GB"}), or null for DuckDB's default
 * @param tempDirectory   DuckDB's {@code temp_directory} for spilling, or null for DuckDB's default
 * @param allowFileAccess whether SQL may read and write files and load extensions ({@code read_csv},
 *                        {@code COPY}, {@code ATTACH}, {@code INSTALL}); when false the handler sets
 *                        {@code enable_external_access=false} right after opening, which cannot be undone
 *                        while the database is open
 */
public record DuckDbConfig(String databasePath, boolean readOnly, Integer threads, String memoryLimit,
        String tempDirectory, boolean allowFileAccess) {

    public DuckDbConfig {
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
    }

    /** A private in-memory database with DuckDB's defaults and no file access. */
    public static DuckDbConfig inMemory() {
        return new DuckDbConfig(null, false, null, null, null, false);
    }

    /** A database file with DuckDB's defaults and no file access beyond the database itself. */
    public static DuckDbConfig file(String path, boolean readOnly) {
        return new DuckDbConfig(java.util.Objects.requireNonNull(path, "path"), readOnly, null, null, null, false);
    }

    public DuckDbConfig withThreads(Integer newThreads) {
        return new DuckDbConfig(databasePath, readOnly, newThreads, memoryLimit, tempDirectory, allowFileAccess);
    }

    public DuckDbConfig withMemoryLimit(String newMemoryLimit) {
        return new DuckDbConfig(databasePath, readOnly, threads, newMemoryLimit, tempDirectory, allowFileAccess);
    }

    public DuckDbConfig withTempDirectory(String newTempDirectory) {
        return new DuckDbConfig(databasePath, readOnly, threads, memoryLimit, newTempDirectory, allowFileAccess);
    }

    public DuckDbConfig withAllowFileAccess(boolean allow) {
        return new DuckDbConfig(databasePath, readOnly, threads, memoryLimit, tempDirectory, allow);
    }
}
