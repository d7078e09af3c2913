package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.session.SessionSettings;
import io.buenavista.core.sql.SqlQuoting;

import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * One open DuckDB database (one DuckDB instance) and the sessions on it, each on its own DuckDB connection
 * ({@link DuckDBConnection#duplicate()} of the root connection) with streamed results, the catalog emulation and
 * the {@link DuckDbLockdown} of the database's configuration.
 *
 * <p>{@link DuckDbHandler} serves one database; a handler that routes connections to several (one per set of
 * files, opened and closed as they are needed) holds several, and uses {@link #openSessions()} and
 * {@link #idleNanos(long)} to decide when one may close.
 *
 * <p>Opening: the attachments are made and the extension files loaded first, then, when the configuration has a
 * {@link DuckDbConfig#homeCatalog() home catalog}, the root moves into it (and an in-memory catalog is detached),
 * and last file access and the configuration are locked, which nothing can undo while the database is open.
 */
public final class DuckDbDatabase implements AutoCloseable {
    private final DuckDbConfig config;
    private final DuckDBConnection root;
    /** Moved by any session's schema change; sessions drop the cached statements prepared before (StatementCache). */
    private final AtomicLong schemaGeneration = new AtomicLong();
    /** DuckDB's default catalog as opened, which the catalog emulation shows as schema {@code public}. */
    private final String defaultCatalog;
    private final DuckDbLockdown lockdown;
    private int openSessions;
    /** {@link System#nanoTime()} when the last session closed (or the database opened). */
    private long idleSince = System.nanoTime();
    private boolean closed;
    /** Run once closed with no session open, then dropped; see {@link #whenReleased}. */
    private Runnable released;

    private DuckDbDatabase(DuckDbConfig config, DuckDBConnection root, String defaultCatalog,
            DuckDbLockdown lockdown) {
        this.config = config;
        this.root = root;
        this.defaultCatalog = defaultCatalog;
        this.lockdown = lockdown;
    }

    /**
     * Opens the database {@code config} describes.
     *
     * @throws PgException when DuckDB cannot open it, attach a file or load an extension file
     */
    public static DuckDbDatabase open(DuckDbConfig config) {
        Objects.requireNonNull(config, "config");
        Properties props = new Properties();
        // Streaming is a connection property that duplicate() connections inherit; without it every result is
        // materialized in native memory before the first row is returned.
        props.setProperty(DuckDBDriver.JDBC_STREAM_RESULTS, "true");
        props.setProperty("autoinstall_known_extensions", "false");
        props.setProperty("autoload_known_extensions", "false");
        if (config.threads() != null) {
            props.setProperty("threads", config.threads().toString());
        }
        if (config.memoryLimit() != null) {
            props.setProperty("memory_limit", config.memoryLimit());
        }
        if (config.tempDirectory() != null) {
            props.setProperty("temp_directory", config.tempDirectory());
        }
        if (config.readOnly() && config.databasePath() != null) {
            props.setProperty(DuckDBDriver.DUCKDB_READONLY_PROPERTY, "true");
        }
        String url = "jdbc:duckdb:" + (config.databasePath() == null ? "" : config.databasePath());
        DuckDBConnection conn = null;
        try {
            conn = (DuckDBConnection) new DuckDBDriver().connect(url, props);
            String defaultCatalog;
            Set<String> settingNames = new HashSet<>();
            try (Statement s = conn.createStatement()) {
                for (DuckDbConfig.Attachment a : config.attachments()) {
                    // The name is a checked identifier, quoted in case it is one of DuckDB's keywords.
                    s.execute("ATTACH " + SqlQuoting.literal(a.path()) + " AS " + SqlQuoting.identifier(a.name())
                            + " (READ_ONLY)");
                }
                for (String file : config.extensionFiles()) {
                    s.execute("LOAD " + SqlQuoting.literal(file));
                }
                try (ResultSet rs = s.executeQuery("SELECT current_database()")) {
                    rs.next();
                    defaultCatalog = rs.getString(1);
                }
                try (ResultSet rs = s.executeQuery("SELECT name FROM duckdb_settings()")) {
                    while (rs.next()) {
                        settingNames.add(rs.getString(1));
                    }
                }
                if (config.homeCatalog() != null) {
                    s.execute("USE " + SqlQuoting.identifier(config.homeCatalog()));
                    if (config.readOnlyAttachmentsOnly()) {
                        // Nothing writable is left that sessions share (their TEMP objects are their own).
                        s.execute("DETACH " + SqlQuoting.identifier(defaultCatalog));
                    }
                }
                if (!config.allowFileAccess()) {
                    s.execute("SET enable_external_access = false");
                }
                if (!config.allowGlobalChanges()) {
                    // From here on only the per-session settings can change, however a statement is written.
                    s.execute("SET allowed_configs = " + DuckDbLockdown.allowedConfigs().stream()
                            .map(n -> "'" + n + "'").collect(Collectors.joining(", ", "[", "]")));
                    s.execute("SET lock_configuration = true");
                }
            }
            String home = config.homeCatalog() == null ? defaultCatalog : config.homeCatalog();
            return new DuckDbDatabase(config, conn, defaultCatalog, new DuckDbLockdown(config, home, settingNames));
        } catch (SQLException e) {
            if (conn != null) {
                try {
                    conn.close();
                } catch (SQLException ignored) {
                    // reporting the original failure matters more
                }
            }
            throw DuckDbErrors.map(e);
        }
    }

    /** The configuration the database was opened with. */
    public DuckDbConfig config() {
        return config;
    }

    /**
     * Opens a session on its own DuckDB connection. With a home catalog the connection starts in it, and the
     * session's {@code search_path} is the home catalog's schema unless the client set one at startup.
     *
     * @throws PgException FATAL when DuckDB refuses the connection
     * @throws IllegalStateException when the database is closed
     */
    public QuerySession openSession(SessionContext context) {
        return openSession(context, Map.of());
    }

    /**
     * As {@link #openSession(SessionContext)}, with custom settings the session starts with (e.g. who asked, for
     * SQL to read): the core applies them after the client's startup parameters ({@link
     * QuerySession#customSettings()}), and {@code SHOW} and {@code current_setting} answer them.
     *
     * @param customSettings custom setting names (with a dot, as PostgreSQL's) and their values
     */
    public QuerySession openSession(SessionContext context, Map<String, String> customSettings) {
        customSettings.keySet().forEach(name -> {
            if (!SessionSettings.isCustom(name)) { // a core or DuckDB name would shadow what the session uses
                throw new IllegalArgumentException("not a custom setting name: " + name);
            }
        });
        DuckDBConnection conn;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the DuckDB database is closed");
            }
            try {
                conn = root.duplicate();
            } catch (SQLException e) {
                throw DuckDbErrors.map(e).withSeverity(PgException.Severity.FATAL);
            }
            openSessions++;
        }
        String home = config.homeCatalog();
        SessionContext sessionContext = context;
        Map<String, String> reported = Map.of();
        if (home != null && context != null && !setsSearchPath(context.startup())) {
            // As PostgreSQL writes a schema name in search_path: quoted unless it reads the same unquoted.
            String path = home.matches("[a-z_][a-z0-9_]*") ? home : SqlQuoting.identifier(home);
            sessionContext = new HomeContext(context, path);
            reported = Map.of("search_path", path);
        }
        DuckDbSession session;
        try {
            if (home != null) {
                try (Statement s = conn.createStatement()) {
                    s.execute("USE " + SqlQuoting.identifier(home));
                }
            }
            DuckDbCatalog catalog = DuckDbCatalog.install(conn, sessionContext, defaultCatalog);
            session = new DuckDbSession(conn, catalog, schemaGeneration, lockdown,
                    config.tempDirectory() == null ? null : Path.of(config.tempDirectory()), reported,
                    customSettings, this::sessionClosed);
        } catch (SQLException | RuntimeException e) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // the installation failure is what matters
            }
            sessionClosed();
            PgException p = e instanceof PgException pe ? pe
                    : e instanceof SQLException se ? DuckDbErrors.map(se) : null;
            if (p == null) {
                throw (RuntimeException) e;
            }
            throw p.withSeverity(PgException.Severity.FATAL);
        }
        String timeZone = context == null ? null : context.setting("TimeZone");
        if (timeZone != null) {
            try {
                session.settingChanged("TimeZone", timeZone);
            } catch (PgException e) {
                session.close();
                throw e.withSeverity(PgException.Severity.FATAL);
            }
        }
        return session;
    }

    private static boolean setsSearchPath(StartupRequest startup) {
        if (startup == null) {
            return false;
        }
        return startup.options().keySet().stream().anyMatch("search_path"::equalsIgnoreCase)
                || startup.parameters().keySet().stream().anyMatch("search_path"::equalsIgnoreCase);
    }

    private void sessionClosed() {
        Runnable action;
        synchronized (this) {
            openSessions--;
            if (openSessions == 0) {
                idleSince = System.nanoTime();
            }
            action = takeReleased();
        }
        if (action != null) {
            action.run();
        }
    }

    /**
     * Runs {@code action} once the database is closed and its last session has closed its connection, when DuckDB's
     * instance is gone (e.g. to remove the instance's spill folder); at once, on this thread, if that is so now.
     * Otherwise on the thread that closes the database or its last session. One action at a time: a later call
     * replaces an earlier one not yet run.
     */
    public void whenReleased(Runnable action) {
        Objects.requireNonNull(action, "action");
        Runnable now;
        synchronized (this) {
            released = action;
            now = takeReleased();
        }
        if (now != null) {
            now.run();
        }
    }

    /** The release action if it is due now, taken so that it runs once. */
    private Runnable takeReleased() {
        if (!closed || openSessions > 0 || released == null) {
            return null;
        }
        Runnable action = released;
        released = null;
        return action;
    }

    /** The sessions open on this database now. */
    public synchronized int openSessions() {
        return openSessions;
    }

    /** How long, at {@code nowNanos} ({@link System#nanoTime()}), no session has been open; 0 while one is. */
    public synchronized long idleNanos(long nowNanos) {
        return openSessions > 0 ? 0 : Math.max(0, nowNanos - idleSince);
    }

    /**
     * Closes the database if no session is open and none has been for {@code minIdleNanos}; afterwards
     * {@link #openSession} refuses.
     *
     * @return whether it is closed now
     */
    public synchronized boolean closeIfIdle(long minIdleNanos) {
        if (!closed && idleNanos(System.nanoTime()) >= minIdleNanos && openSessions == 0) {
            close();
        }
        return closed;
    }

    /** Whether {@link #close()} ran. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Closes the root connection; sessions still open keep DuckDB's instance until they close. Idempotent. */
    @Override
    public void close() {
        Runnable action;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                root.close();
            } catch (SQLException e) {
                throw new PgException(SqlState.INTERNAL_ERROR, "could not close DuckDB: " + e.getMessage(), e);
            }
            action = takeReleased();
        }
        if (action != null) {
            action.run();
        }
    }

    /** The client's context with the home catalog's schema as the {@code search_path} it did not set. */
    private record HomeContext(SessionContext inner, String searchPath) implements SessionContext {
        @Override
        public Route route() {
            return inner.route();
        }

        @Override
        public Principal principal() {
            return inner.principal();
        }

        @Override
        public StartupRequest startup() {
            return inner.startup();
        }

        @Override
        public String setting(String name) {
            return name.equalsIgnoreCase("search_path") ? searchPath : inner.setting(name);
        }

        @Override
        public void notice(PgException notice) {
            inner.notice(notice);
        }
    }
}
