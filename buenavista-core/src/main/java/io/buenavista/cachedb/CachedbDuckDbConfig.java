package io.buenavista.cachedb;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link CachedbDuckDbHandler} finds and opens the DuckDB files of cachedb routes.
 *
 * @param dataFolder       the folder of the cache files, {@code {code}_{schema}} ({@code DUCKDB__DATA_FOLDER})
 * @param extensionsFolder where DuckDB extension files ({@code NAME.duckdb_extension}) are loaded from
 *                         ({@code DUCKDB_EXTENSIONS_FOLDER}); nothing is ever downloaded. Empty: no extension is
 *                         loaded, and SQL that needs one fails at once
 * @param extensions       the extensions loaded from that folder when their file is there (e.g. {@code fts})
 * @param idleClose        how long a database no session uses stays open before it is closed
 * @param threads          DuckDB's {@code threads} for each database, or null for DuckDB's default (one per core)
 * @param memoryLimit      DuckDB's {@code memory_limit} for each database, or null for DuckDB's default
 * @param tempDirectory    DuckDB's spill directory (also the cursors' read-ahead files), or null for the defaults;
 *                         must not be inside the data folder
 */
public record CachedbDuckDbConfig(Path dataFolder, Optional<Path> extensionsFolder, List<String> extensions,
        Duration idleClose, Integer threads, String memoryLimit, Path tempDirectory) {
    public CachedbDuckDbConfig {
        Objects.requireNonNull(dataFolder, "dataFolder");
        Objects.requireNonNull(extensionsFolder, "extensionsFolder");
        Objects.requireNonNull(idleClose, "idleClose");
        extensions = List.copyOf(extensions);
        for (String name : extensions) {
            if (!name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("not an extension name: " + name);
            }
        }
        if (idleClose.isNegative()) {
            throw new IllegalArgumentException("idleClose must not be negative: " + idleClose);
        }
    }

    /** The data folder with the defaults: no extensions folder, {@code fts} when one is given, 5 minutes idle. */
    public static CachedbDuckDbConfig of(Path dataFolder) {
        return new CachedbDuckDbConfig(dataFolder, Optional.empty(), List.of("fts"), Duration.ofMinutes(5), null,
                null, null);
    }

    public CachedbDuckDbConfig withExtensionsFolder(Path folder) {
        return new CachedbDuckDbConfig(dataFolder, Optional.of(folder), extensions, idleClose, threads, memoryLimit,
                tempDirectory);
    }

    public CachedbDuckDbConfig withIdleClose(Duration idle) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idle, threads, memoryLimit,
                tempDirectory);
    }

    public CachedbDuckDbConfig withThreads(Integer newThreads) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idleClose, newThreads, memoryLimit,
                tempDirectory);
    }

    public CachedbDuckDbConfig withMemoryLimit(String limit) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idleClose, threads, limit,
                tempDirectory);
    }

    public CachedbDuckDbConfig withTempDirectory(Path directory) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idleClose, threads, memoryLimit,
                directory);
    }
}
