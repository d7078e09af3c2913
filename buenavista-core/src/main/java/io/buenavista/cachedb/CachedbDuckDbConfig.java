package io.buenavista.cachedb;

import java.io.IOException;
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
 * @param memoryLimit      DuckDB's {@code memory_limit} for each database (e.g. {@code "2GB"}), or null for DuckDB's
 *                         default (80% of the machine's memory for each database: set it when several may be open)
 * @param tempDirectory    the folder under which each database gets a spill folder of its own (DuckDB's
 *                         {@code temp_directory}, also the cursors' read-ahead files), created when the database
 *                         opens and removed, with whatever is left in it, when it closes; null for the JVM's
 *                         temporary directory. Must not be inside the data folder
 * @param maxInstances     how many DuckDB databases may be open at once (current and replaced ones); when another
 *                         is needed the one unused longest among those without sessions is closed, and when every
 *                         one has sessions the new session is refused with FATAL {@code 53300}
 */
public record CachedbDuckDbConfig(Path dataFolder, Optional<Path> extensionsFolder, List<String> extensions,
        Duration idleClose, Integer threads, String memoryLimit, Path tempDirectory, int maxInstances) {
    /** {@link #maxInstances()} unless configured. */
    public static final int DEFAULT_MAX_INSTANCES = 8;

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
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        if (maxInstances < 1) {
            throw new IllegalArgumentException("maxInstances must be at least 1: " + maxInstances);
        }
        if (tempDirectory != null && inside(tempDirectory, dataFolder)) {
            throw new IllegalArgumentException("the temporary directory must not be inside the data folder");
        }
    }

    /** A configuration with at most {@link #DEFAULT_MAX_INSTANCES} databases open. */
    public CachedbDuckDbConfig(Path dataFolder, Optional<Path> extensionsFolder, List<String> extensions,
            Duration idleClose, Integer threads, String memoryLimit, Path tempDirectory) {
        this(dataFolder, extensionsFolder, extensions, idleClose, threads, memoryLimit, tempDirectory,
                DEFAULT_MAX_INSTANCES);
    }

    /**
     * The data folder with the defaults: no extensions folder, {@code fts} when one is given, 5 minutes idle, DuckDB's
     * threads and memory limit, spill folders in the JVM's temporary directory, {@link #DEFAULT_MAX_INSTANCES}.
     */
    public static CachedbDuckDbConfig of(Path dataFolder) {
        return new CachedbDuckDbConfig(dataFolder, Optional.empty(), List.of("fts"), Duration.ofMinutes(5), null,
                null, null);
    }

    public CachedbDuckDbConfig withExtensionsFolder(Path folder) {
        return new CachedbDuckDbConfig(dataFolder, Optional.of(folder), extensions, idleClose, threads, memoryLimit,
                tempDirectory, maxInstances);
    }

    public CachedbDuckDbConfig withIdleClose(Duration idle) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idle, threads, memoryLimit,
                tempDirectory, maxInstances);
    }

    public CachedbDuckDbConfig withThreads(Integer newThreads) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idleClose, newThreads, memoryLimit,
                tempDirectory, maxInstances);
    }

    public CachedbDuckDbConfig withMemoryLimit(String limit) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idleClose, threads, limit,
                tempDirectory, maxInstances);
    }

    public CachedbDuckDbConfig withTempDirectory(Path directory) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idleClose, threads, memoryLimit,
                directory, maxInstances);
    }

    public CachedbDuckDbConfig withMaxInstances(int max) {
        return new CachedbDuckDbConfig(dataFolder, extensionsFolder, extensions, idleClose, threads, memoryLimit,
                tempDirectory, max);
    }

    /** Whether {@code path} is {@code folder} or inside it, links resolved as far as the paths exist. */
    static boolean inside(Path path, Path folder) {
        return real(path).startsWith(real(folder));
    }

    private static Path real(Path p) {
        Path absolute = p.toAbsolutePath().normalize();
        try {
            return absolute.toRealPath();
        } catch (IOException e) {
            return absolute;
        }
    }
}
