package io.buenavista.cachedb;

import io.buenavista.api.BearerToken;
import io.buenavista.api.ClientSession;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.duckdb.DuckDbConfig;
import io.buenavista.core.duckdb.DuckDbDatabase;
import io.buenavista.core.duckdb.DuckDbHandler;

import org.duckdb.DuckDBDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves cachedb's {@code duckdb} routes ({@value #NAME}) with the DuckDB server's own parts
 * ({@link DuckDbDatabase}: types, errors, catalog emulation, cursors, COPY TO STDOUT, cancel, lock-down).
 *
 * <p>A route's files are {@code {dataFolder}/{code}_{schema}} and {@code {code}_{vocab}}, attached read-only under
 * the schema names, and each session starts in the vocabulary schema, as the original service does
 * ({@code USE vocab} on each new cursor). One DuckDB database per set of files is shared by its sessions, each on
 * its own DuckDB connection. The files' identity (inode, size, modification time) is checked at every new session:
 * a replaced file gets a new database for the sessions that open from then on, while the sessions on the old one
 * finish there; the old one closes with its last session, and a database no session used for
 * {@link CachedbDuckDbConfig#idleClose()} closes too.
 *
 * <p>DuckDB has no memory shared between instances: each database gets the configured {@code threads} and
 * {@code memory_limit} on its own, so at most {@link CachedbDuckDbConfig#maxInstances()} are open at once. A file set
 * that needs a database beyond that closes the one no session has used for longest; when every open database has
 * sessions, the new session is refused with FATAL {@code 53300} (as PostgreSQL refuses a connection beyond
 * {@code max_connections}) until one is free. Each database spills to a folder of its own under
 * {@link CachedbDuckDbConfig#tempDirectory()}, removed when it closes.
 *
 * <p>Every session is locked down as a tenant's (see {@link DuckDbConfig#readOnlyAttachmentsOnly()}): nothing
 * shared is writable, no file access, no settings beyond the session's own, refusals are {@code 42501}. The
 * principal's user id is the custom setting {@code cachedb.user_id} ({@code SHOW cachedb.user_id},
 * {@code current_setting('cachedb.user_id')}), as on the postgresql route: the session starts with it after the
 * client's startup parameters (which cannot replace it), and, being a session setting, not a privilege, a client's
 * {@code SET} changes it.
 *
 * <p>A route whose files are missing cannot be served here: {@link #files(DatabaseRoute)} says so before a session
 * is opened; given a fallback handler, such a route is served by it on the postgresql route of the same code (the
 * original's behaviour, with a warning), otherwise {@link #open} refuses it with FATAL {@code 3D000}. A {@code write} route is refused with FATAL {@code 0A000}: these routes are read-only.
 */
public final class CachedbDuckDbHandler implements QueryHandler {
    private static final Logger LOG = LoggerFactory.getLogger(CachedbDuckDbHandler.class);

    /** The handler name of duckdb routes. */
    public static final String NAME = "cachedb-duckdb";

    private final CachedbDuckDbConfig config;
    /** Serves a route whose files are missing (the original's fallback to the postgresql route), or null. */
    private final QueryHandler fallback;
    private final ScheduledExecutorService sweeper;
    private final Object lock = new Object();
    /** The current database of each set of files; guarded by {@link #lock}. */
    private final Map<FileSet, Current> databases = new HashMap<>();
    /** Databases whose files were replaced, open until their last session closes; guarded by {@link #lock}. */
    private final List<DuckDbDatabase> retired = new ArrayList<>();
    /**
     * Databases being opened outside the lock, by file set and files: counted against the limit, and awaited by the
     * other sessions that need the same files meanwhile, so that a burst of logins opens one database, not one
     * each; guarded by {@link #lock}.
     */
    private final Map<Opening, CompletableFuture<DuckDbDatabase>> opening = new HashMap<>();
    private boolean closed;
    /** DuckDB's version and platform, as an extension directory's folders name them. */
    private final String duckDbVersion;
    private final String duckDbPlatform;

    private record FileSet(String code, String schema, String vocab) {}

    private record Current(DuckDbDatabase database, String identity) {}

    private record Opening(FileSet set, String identity) {}

    /**
     * A handler for the files of {@code config}; it opens nothing until the first session. Idle databases are
     * closed by a daemon thread of its own, stopped by {@link #close()}.
     */
    public CachedbDuckDbHandler(CachedbDuckDbConfig config) {
        this(config, null);
    }

    /**
     * A handler whose routes with missing files are served by {@code fallback} (the postgresql handler, as the
     * original does) on the same route with the postgresql dialect, with a warning in the log.
     *
     * @param fallback null to refuse such routes with FATAL {@code 3D000}
     */
    public CachedbDuckDbHandler(CachedbDuckDbConfig config, QueryHandler fallback) {
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.fallback = fallback;
        // Without the driver: NoClassDefFoundError now, not at the first session.
        String[] versionAndPlatform = versionAndPlatform();
        this.duckDbVersion = versionAndPlatform[0];
        this.duckDbPlatform = versionAndPlatform[1];
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cachedb-duckdb-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1000, Math.min(60_000, config.idleClose().toMillis() / 2));
        sweeper.scheduleWithFixedDelay(this::sweepQuietly, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** DuckDB recurses on the caller's stack: {@link DuckDbHandler#THREAD_STACK_SIZE}, as the DuckDB server. */
    @Override
    public long threadStackSize() {
        return DuckDbHandler.THREAD_STACK_SIZE;
    }

    /**
     * Whether the route's two files are in the data folder: the decision between serving it here and the
     * postgresql route. Names are checked as identifiers and the files, links resolved, must lie inside the data
     * folder.
     */
    public DuckDbFiles files(DatabaseRoute route) {
        if (route.schema().isEmpty() || route.vocabSchema().isEmpty()) {
            return new DuckDbFiles.Missing("the route names no schema and vocabulary schema");
        }
        String code = route.databaseCode();
        String schema = route.schema().get();
        String vocab = route.vocabSchema().get();
        for (String name : List.of(code, schema, vocab)) {
            if (!CachedbIdentifiers.isValid(name)) {
                return new DuckDbFiles.Missing("not a plain identifier: " + name);
            }
        }
        Path folder;
        try {
            folder = config.dataFolder().toRealPath();
        } catch (IOException e) {
            return new DuckDbFiles.Missing("the data folder " + config.dataFolder() + " is not there");
        }
        StringBuilder identity = new StringBuilder();
        Path[] files = new Path[2];
        String[] names = {code + "_" + schema, code + "_" + vocab};
        for (int i = 0; i < 2; i++) {
            Path file = folder.resolve(names[i]);
            Path real;
            BasicFileAttributes attributes;
            try {
                real = file.toRealPath();
                attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                return new DuckDbFiles.Missing("no file " + file);
            }
            if (!real.startsWith(folder) || real.getParent() == null) {
                return new DuckDbFiles.Missing(file + " leads outside the data folder, to " + real);
            }
            if (!attributes.isRegularFile()) {
                return new DuckDbFiles.Missing(file + " is not a regular file");
            }
            files[i] = real;
            identity.append(real).append('|').append(attributes.fileKey()).append('|').append(attributes.size())
                    .append('|').append(attributes.lastModifiedTime().toMillis()).append(';');
        }
        return new DuckDbFiles.Present(files[0], files[1], identity.toString());
    }

    /** Whether {@link #files} finds both files of the route. */
    public boolean hasFiles(DatabaseRoute route) {
        return files(route) instanceof DuckDbFiles.Present;
    }

    @Override
    public ClientSession openSession(SessionContext context) throws PgException {
        if (fallback != null && context.route() instanceof DatabaseRoute route && route.dialect() == Dialect.DUCKDB
                && route.connectionType() == ConnectionType.READ
                && files(route) instanceof DuckDbFiles.Missing missing) {
            LOG.warn("cachedb duckdb route of database {} has no DuckDB cache ({}); serving it from postgresql",
                    route.databaseCode(), missing.reason());
            DatabaseRoute postgresql = new DatabaseRoute(Dialect.POSTGRESQL, route.connectionType(),
                    route.databaseCode(), route.schema(), route.vocabSchema(), route.datasetId());
            return fallback.openSession(new Rerouted(context, postgresql));
        }
        return open(context);
    }

    /** The session's context on another route: what the fallback handler is opened with. */
    private record Rerouted(SessionContext delegate, Route route) implements SessionContext {
        @Override
        public Principal principal() {
            return delegate.principal();
        }

        @Override
        public Optional<BearerToken> bearerToken() {
            return delegate.bearerToken();
        }

        @Override
        public StartupRequest startup() {
            return delegate.startup();
        }

        @Override
        public String setting(String name) {
            return delegate.setting(name);
        }

        @Override
        public void notice(PgException notice) {
            delegate.notice(notice);
        }
    }

    @Override
    public QuerySession open(SessionContext context) throws PgException {
        if (!(context.route() instanceof DatabaseRoute route) || route.dialect() != Dialect.DUCKDB) {
            throw PgException.fatal(SqlState.SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION,
                    "the " + NAME + " handler serves duckdb database routes only");
        }
        if (route.connectionType() == ConnectionType.WRITE) {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED, "duckdb routes are read-only");
        }
        DuckDbFiles files = files(route);
        if (files instanceof DuckDbFiles.Missing missing) {
            LOG.warn("cachedb duckdb route of database {} cannot be served: {}", route.databaseCode(),
                    missing.reason());
            throw PgException.fatal(SqlState.INVALID_CATALOG_NAME, "database \"" + route.databaseCode()
                    + "\" has no DuckDB cache for schema \"" + route.schema().orElse("") + "\" and vocabulary schema \""
                    + route.vocabSchema().orElse("") + "\"");
        }
        DuckDbFiles.Present present = (DuckDbFiles.Present) files;
        FileSet set = new FileSet(route.databaseCode(), route.schema().get(), route.vocabSchema().get());
        // A database the sweeper closed between the lookup and the session's opening is replaced once.
        for (int attempt = 0; ; attempt++) {
            DuckDbDatabase database = database(set, present);
            try {
                // Who asked, as the custom setting cachedb.user_id (QuerySession#customSettings), as on the
                // postgresql route.
                return database.openSession(context,
                        Map.of(CachedbPostgresHandler.USER_ID_SETTING, context.principal().name()));
            } catch (IllegalStateException closedMeanwhile) {
                if (attempt > 0) {
                    throw PgException.fatal(SqlState.CONNECTION_FAILURE, "the DuckDB cache closed while opening");
                }
            }
        }
    }

    /**
     * The current database of the file set, opened (or reopened, when the files were replaced) as needed. DuckDB
     * opens the files outside the handler's lock, so that a slow disk holds up only the sessions of that file set;
     * they wait for the one session that opens it.
     */
    private DuckDbDatabase database(FileSet set, DuckDbFiles.Present files) {
        Opening key = new Opening(set, files.identity());
        CompletableFuture<DuckDbDatabase> mine = new CompletableFuture<>();
        CompletableFuture<DuckDbDatabase> theirs;
        synchronized (lock) {
            if (closed) {
                throw PgException.fatal(SqlState.CONNECTION_FAILURE, "the server is closing");
            }
            Current current = databases.get(set);
            if (current != null && current.identity().equals(files.identity()) && !current.database().isClosed()) {
                return current.database();
            }
            theirs = opening.get(key);
            if (theirs == null) {
                makeRoom();
                opening.put(key, mine);
            }
        }
        if (theirs != null) {
            try {
                return theirs.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof PgException p ? p : e;
            }
        }
        DuckDbDatabase opened;
        try {
            opened = open(set, files);
        } catch (RuntimeException e) {
            synchronized (lock) {
                opening.remove(key);
            }
            mine.completeExceptionally(e);
            throw e;
        }
        synchronized (lock) {
            opening.remove(key);
            if (closed) {
                opened.close();
                PgException closing = PgException.fatal(SqlState.CONNECTION_FAILURE, "the server is closing");
                mine.completeExceptionally(closing);
                throw closing;
            }
            Current current = databases.get(set);
            if (current != null && !current.database().isClosed()) {
                LOG.info("DuckDB cache of {}_{} / {}_{} replaced: new sessions use the new files", set.code(),
                        set.schema(), set.code(), set.vocab());
                retired.add(current.database());
            }
            databases.put(set, new Current(opened, files.identity()));
        }
        mine.complete(opened);
        return opened;
    }

    /**
     * Makes room for one more database, or refuses with {@code 53300}: closes the replaced databases without
     * sessions, then, while the limit is reached, the current database without sessions that has been idle longest.
     * Called under {@link #lock}.
     */
    private void makeRoom() {
        retired.removeIf(d -> d.closeIfIdle(0));
        while (databases.size() + retired.size() + opening.size() >= config.maxInstances()) {
            long now = System.nanoTime();
            FileSet idlest = null;
            long longest = -1;
            for (Map.Entry<FileSet, Current> e : databases.entrySet()) {
                DuckDbDatabase d = e.getValue().database();
                long idle = d.openSessions() == 0 ? d.idleNanos(now) : -1;
                if (idle > longest) {
                    longest = idle;
                    idlest = e.getKey();
                }
            }
            if (idlest == null) {
                LOG.warn("all {} DuckDB caches have sessions: a session for another file set is refused",
                        config.maxInstances());
                throw PgException.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many DuckDB caches are in use ("
                        + config.maxInstances() + "); try again when sessions on other datasets have ended");
            }
            // A session may have opened on it since it was picked: then it has sessions, and the next round skips it.
            if (databases.get(idlest).database().closeIfIdle(0)) {
                LOG.debug("DuckDB cache of {}_{} / {}_{} closed to make room", idlest.code(), idlest.schema(),
                        idlest.code(), idlest.vocab());
                databases.remove(idlest);
            }
        }
    }

    /** Opens the file set's database in a spill folder of its own; {@code 3D000} when DuckDB cannot. */
    private DuckDbDatabase open(FileSet set, DuckDbFiles.Present files) {
        Path spill;
        try {
            Path base = config.tempDirectory() != null ? config.tempDirectory()
                    : Path.of(System.getProperty("java.io.tmpdir"));
            // Owner-only where the file system has permissions: spilled rows are the tenants' data.
            spill = Files.createTempDirectory(base, "buenavista-duckdb-");
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot create a spill folder for the DuckDB cache of database {}: {}", set.code(), e.toString());
            throw PgException.fatal(SqlState.INSUFFICIENT_RESOURCES, "the DuckDB cache of database \"" + set.code()
                    + "\" has no spill folder");
        }
        try {
            return openRemovingSpillFolder(duckDbConfig(set, files, spill), spill);
        } catch (PgException e) {
            removeSpillFolder(spill);
            // DuckDB's message names the server's paths: the log gets it, the client a plain statement.
            LOG.warn("cannot open the DuckDB cache of database {}: {}", set.code(), e.getMessage());
            throw PgException.fatal(SqlState.INVALID_CATALOG_NAME, "the DuckDB cache of database \"" + set.code()
                    + "\" cannot be opened");
        }
    }

    /** Opens the database {@code config} describes, whose spill folder is removed once it is closed and unused. */
    private static DuckDbDatabase openRemovingSpillFolder(DuckDbConfig config, Path spill) {
        DuckDbDatabase database = DuckDbDatabase.open(config);
        database.whenReleased(() -> removeSpillFolder(spill));
        return database;
    }

    /** Deletes the folder and what is left in it (nothing, normally: DuckDB and the cursors delete their files). */
    private static void removeSpillFolder(Path folder) {
        try (java.util.stream.Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("cannot remove the DuckDB spill folder {}: {}", folder, e.toString());
        }
    }

    private DuckDbConfig duckDbConfig(FileSet set, DuckDbFiles.Present files, Path spill) {
        DuckDbConfig c = DuckDbConfig.inMemory().withThreads(config.threads()).withMemoryLimit(config.memoryLimit())
                .withTempDirectory(spill.toString());
        if (!set.schema().equals(set.vocab())) {
            c = c.withAttachment(set.schema(), files.schemaFile().toString());
        }
        c = c.withAttachment(set.vocab(), files.vocabFile().toString()).withHomeCatalog(set.vocab());
        return c.withExtensionFiles(extensionFiles());
    }

    /**
     * The configured extensions whose files are in the extensions folder: {@code NAME.duckdb_extension} in the
     * folder itself, or where DuckDB's own {@code INSTALL} puts it when the folder is an {@code extension_directory}
     * ({@code VERSION/PLATFORM/NAME.duckdb_extension}).
     */
    private List<String> extensionFiles() {
        Optional<Path> folder = config.extensionsFolder();
        if (folder.isEmpty()) {
            return List.of();
        }
        List<String> files = new ArrayList<>();
        for (String name : config.extensions()) {
            String fileName = name + ".duckdb_extension";
            Path flat = folder.get().resolve(fileName);
            Path installed = folder.get().resolve(duckDbVersion).resolve(duckDbPlatform).resolve(fileName);
            if (Files.isRegularFile(flat)) {
                files.add(flat.toAbsolutePath().toString());
            } else if (Files.isRegularFile(installed)) {
                files.add(installed.toAbsolutePath().toString());
            } else {
                LOG.debug("no {} in the extensions folder: SQL that needs it fails", fileName);
            }
        }
        return files;
    }

    /** DuckDB's {@code library_version} and {@code platform}, the folders of an extension directory. */
    private static String[] versionAndPlatform() {
        try (java.sql.Connection c = new DuckDBDriver().connect("jdbc:duckdb:", new java.util.Properties());
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(
                        "SELECT library_version, (SELECT platform FROM pragma_platform()) FROM pragma_version()")) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("DuckDB cannot tell its version: " + e.getMessage(), e);
        }
    }

    /**
     * Closes the databases whose files were replaced once no session uses them, and the current ones no session
     * has used for {@link CachedbDuckDbConfig#idleClose()}. Runs on the handler's own thread; callable any time.
     */
    public void sweep() {
        synchronized (lock) {
            retired.removeIf(d -> d.closeIfIdle(0));
            long idle = config.idleClose().toNanos();
            for (Iterator<Current> it = databases.values().iterator(); it.hasNext(); ) {
                DuckDbDatabase d = it.next().database();
                if (d.closeIfIdle(idle)) {
                    it.remove();
                }
            }
        }
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.warn("closing idle DuckDB caches failed", e);
        }
    }

    /** The DuckDB databases open now (current and replaced ones). */
    public int openDatabases() {
        synchronized (lock) {
            return databases.size() + retired.size();
        }
    }

    /** The sessions open now on this handler's databases. */
    public int openSessions() {
        synchronized (lock) {
            return databases.values().stream().mapToInt(c -> c.database().openSessions()).sum()
                    + retired.stream().mapToInt(DuckDbDatabase::openSessions).sum();
        }
    }

    /** The file sets with a current database open, as {@code code_schema/code_vocab} (for tests). */
    java.util.Set<String> openFileSets() {
        synchronized (lock) {
            java.util.Set<String> sets = new java.util.TreeSet<>();
            for (FileSet f : databases.keySet()) {
                sets.add(f.code() + "_" + f.schema() + "/" + f.code() + "_" + f.vocab());
            }
            return sets;
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        synchronized (lock) {
            closed = true;
            for (Current c : databases.values()) {
                c.database().close();
            }
            for (DuckDbDatabase d : retired) {
                d.close();
            }
            databases.clear();
            retired.clear();
        }
    }
}
