package io.buenavista.core.duckdb;

import java.util.List;
import java.util.Objects;

/**
 * How {@link DuckDbHandler} opens its database.
 *
 * @param databasePath    the database file, or null for a private in-memory database
 * @param readOnly        open the file read only (ignored for in-memory databases, which DuckDB cannot open so)
 * @param threads         DuckDB's {@code threads} setting, or null for DuckDB's default (one per core)
 * @param memoryLimit     DuckDB's {@code memory_limit} (e.g. {@code "2GB"}), or null for DuckDB's default
 * @param tempDirectory   DuckDB's {@code temp_directory} for spilling, also where a cursor puts the rows it reads
 *                        ahead when another statement needs the connection; null for DuckDB's default (and the
 *                        JVM's temporary directory for cursors)
 * @param allowFileAccess whether SQL may read and write files and load extensions ({@code read_csv},
 *                        {@code COPY}, {@code INSTALL}, {@code LOAD}; {@code ATTACH} also needs
 *                        {@code allowGlobalChanges}); when false the handler sets
 *                        {@code enable_external_access=false} right after opening, which cannot be undone
 *                        while the database is open, and refuses the file functions DuckDB would still allow on
 *                        its own files
 * @param attachments     database files attached read-only when the database opens (before file access is
 *                        closed), each under its own name
 * @param allowGlobalChanges whether client SQL may change the database for every session: {@code ATTACH},
 *                        {@code DETACH}, {@code USE} of another database, DuckDB settings that are global in effect
 *                        ({@code memory_limit}, {@code threads}, {@code SET GLOBAL}, most {@code PRAGMA}s, …),
 *                        {@code FORCE CHECKPOINT} and secrets. When false (the default) the handler locks DuckDB's
 *                        configuration except for the settings known to act per session, and refuses those
 *                        statements with {@code 42501} (see {@link DuckDbLockdown})
 * @param homeCatalog     the attachment every session starts in ({@code USE}, and its schema as the session's
 *                        {@code search_path} unless the client sets one), or null for DuckDB's default catalog. For
 *                        an in-memory database the in-memory catalog is then detached once the attachments are
 *                        made, so that every catalog sessions share is a read-only file: a database for tenants
 *                        that may only read (see {@link #readOnlyAttachmentsOnly()})
 * @param extensionFiles  DuckDB extension files loaded, by path, when the database opens (before file access is
 *                        closed); nothing is ever installed or downloaded
 */
public record DuckDbConfig(String databasePath, boolean readOnly, Integer threads, String memoryLimit,
        String tempDirectory, boolean allowFileAccess, List<Attachment> attachments, boolean allowGlobalChanges,
        String homeCatalog, List<String> extensionFiles) {

    /** A DuckDB file attached read-only as catalog {@code name} (so its tables are {@code name.table}). */
    public record Attachment(String name, String path) {
        public Attachment {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("an attachment name must be a plain identifier: " + name);
            }
        }
    }

    public DuckDbConfig {
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        attachments = List.copyOf(attachments);
        extensionFiles = List.copyOf(extensionFiles);
        if (homeCatalog != null && attachments.stream().noneMatch(a -> a.name().equals(homeCatalog))) {
            throw new IllegalArgumentException("the home catalog must be one of the attachments: " + homeCatalog);
        }
    }

    /** A configuration without home catalog or extension files. */
    public DuckDbConfig(String databasePath, boolean readOnly, Integer threads, String memoryLimit,
            String tempDirectory, boolean allowFileAccess, List<Attachment> attachments, boolean allowGlobalChanges) {
        this(databasePath, readOnly, threads, memoryLimit, tempDirectory, allowFileAccess, attachments,
                allowGlobalChanges, null, List.of());
    }

    /**
     * Whether the sessions share nothing but read-only attachments: an in-memory database with a
     * {@link #homeCatalog()}, whose in-memory catalog is detached.
     */
    public boolean readOnlyAttachmentsOnly() {
        return databasePath == null && homeCatalog != null;
    }

    /** A configuration whose clients may change only their own sessions ({@code allowGlobalChanges} false). */
    public DuckDbConfig(String databasePath, boolean readOnly, Integer threads, String memoryLimit,
            String tempDirectory, boolean allowFileAccess, List<Attachment> attachments) {
        this(databasePath, readOnly, threads, memoryLimit, tempDirectory, allowFileAccess, attachments, false);
    }

    /** A private in-memory database with DuckDB's defaults and no file access. */
    public static DuckDbConfig inMemory() {
        return new DuckDbConfig(null, false, null, null, null, false, List.of());
    }

    /** A database file with DuckDB's defaults and no file access beyond the database itself. */
    public static DuckDbConfig file(String path, boolean readOnly) {
        return new DuckDbConfig(Objects.requireNonNull(path, "path"), readOnly, null, null, null, false, List.of());
    }

    public DuckDbConfig withThreads(Integer newThreads) {
        return new DuckDbConfig(databasePath, readOnly, newThreads, memoryLimit, tempDirectory, allowFileAccess,
                attachments, allowGlobalChanges, homeCatalog, extensionFiles);
    }

    public DuckDbConfig withMemoryLimit(String newMemoryLimit) {
        return new DuckDbConfig(databasePath, readOnly, threads, newMemoryLimit, tempDirectory, allowFileAccess,
                attachments, allowGlobalChanges, homeCatalog, extensionFiles);
    }

    public DuckDbConfig withTempDirectory(String newTempDirectory) {
        return new DuckDbConfig(databasePath, readOnly, threads, memoryLimit, newTempDirectory, allowFileAccess,
                attachments, allowGlobalChanges, homeCatalog, extensionFiles);
    }

    public DuckDbConfig withAllowFileAccess(boolean allow) {
        return new DuckDbConfig(databasePath, readOnly, threads, memoryLimit, tempDirectory, allow, attachments,
                allowGlobalChanges, homeCatalog, extensionFiles);
    }

    /** This configuration with clients allowed (or not) to change the database for every session. */
    public DuckDbConfig withAllowGlobalChanges(boolean allow) {
        return new DuckDbConfig(databasePath, readOnly, threads, memoryLimit, tempDirectory, allowFileAccess,
                attachments, allow);
    }

    /** This configuration with one more read-only attachment. */
    public DuckDbConfig withAttachment(String name, String path) {
        List<Attachment> more = new java.util.ArrayList<>(attachments);
        more.add(new Attachment(name, path));
        return new DuckDbConfig(databasePath, readOnly, threads, memoryLimit, tempDirectory, allowFileAccess, more,
                allowGlobalChanges, homeCatalog, extensionFiles);
    }

    /** This configuration with sessions starting in the attachment {@code name} (see {@link #homeCatalog()}). */
    public DuckDbConfig withHomeCatalog(String name) {
        return new DuckDbConfig(databasePath, readOnly, threads, memoryLimit, tempDirectory, allowFileAccess,
                attachments, allowGlobalChanges, name, extensionFiles);
    }

    /** This configuration with these extension files loaded when the database opens. */
    public DuckDbConfig withExtensionFiles(List<String> files) {
        return new DuckDbConfig(databasePath, readOnly, threads, memoryLimit, tempDirectory, allowFileAccess,
                attachments, allowGlobalChanges, homeCatalog, files);
    }
}
