package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;

import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves SQL from one DuckDB database, opened when the handler is constructed. Each session gets its own DuckDB
 * connection ({@link DuckDBConnection#duplicate()} of the handler's root connection) with streamed results, so a
 * large result is never held in memory as a whole.
 *
 * <p>Extensions are neither installed nor loaded automatically. Unless {@link DuckDbConfig#allowFileAccess()},
 * {@code enable_external_access} is switched off right after opening: SQL can then not read or write files other
 * than the database, nor install or load extensions. Unless {@link DuckDbConfig#allowGlobalChanges()}, a client can
 * change only its own session: the configuration is locked except for the per-session settings, and
 * {@link DuckDbLockdown} refuses what acts on every session (ATTACH, DETACH, global settings, …) and what shows the
 * server's paths.
 *
 * <p>Constructing it without the DuckDB driver on the class path fails with {@link NoClassDefFoundError}, which
 * makes the server skip it.
 */
public final class DuckDbHandler implements QueryHandler {
    /** The name routes use for this handler. */
    public static final String NAME = "duckdb";

    private final DuckDbConfig config;
    /** Opened in the constructor, or at the first session when discovered (null until then). */
    private DuckDBConnection root;
    /** Moved by any session's schema change; sessions drop the cached statements prepared before (StatementCache). */
    private final AtomicLong schemaGeneration = new AtomicLong();
    /** DuckDB's default catalog, read from the root connection (which never runs USE) at the first session. */
    private String defaultCatalog;
    /** What clients may do, made with the default catalog at the first session. */
    private DuckDbLockdown lockdown;

    /**
     * An in-memory database with DuckDB's defaults; the constructor {@link java.util.ServiceLoader} uses. The
     * database opens at the first session, so that a discovered handler which is never used costs nothing.
     */
    public DuckDbHandler() {
        this.config = DuckDbConfig.inMemory();
        // Load the driver now rather than at the first session: without it this throws NoClassDefFoundError,
        // and discovery skips the provider with a warning.
        DuckDBDriver.class.getName();
    }

    /**
     * Opens the database {@code config} describes.
     *
     * @throws PgException when DuckDB cannot open it
     */
    public DuckDbHandler(DuckDbConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.root = openRoot(config);
    }

    private static DuckDBConnection openRoot(DuckDbConfig config) {
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
            try (Statement s = conn.createStatement()) {
                for (DuckDbConfig.Attachment a : config.attachments()) {
                    // The name is a checked identifier; the path is a string literal with quotes doubled.
                    s.execute("ATTACH '" + a.path().replace("'", "''") + "' AS " + a.name() + " (READ_ONLY)");
                }
            }
            try (Statement s = conn.createStatement()) {
                if (!config.allowFileAccess()) {
                    s.execute("SET enable_external_access = false");
                }
                if (!config.allowGlobalChanges()) {
                    // From here on only the per-session settings can change, however a statement is written.
                    s.execute("SET allowed_configs = " + DuckDbLockdown.allowedConfigs().stream()
                            .map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", ", "[", "]")));
                    s.execute("SET lock_configuration = true");
                }
            }
            return conn;
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

    /**
     * The stack of the threads that call into DuckDB: {@value #THREAD_STACK_SIZE} bytes. DuckDB parses, binds and
     * plans on the calling thread, recursing natively once per nesting level up to its {@code max_expression_depth}
     * (1000), and an overflow there ends the process. Measured at that limit: nested operators, calls, CASE or NOT
     * about 1.3 MiB (an 800-term {@code 1+1+…} already overflows the JVM's default 1 MiB); the worst shape found, a
     * chain of 990 CTEs each reading the one before, about 4 MiB. Stack pages are committed only when touched, so
     * the fourfold margin costs address space, not memory.
     */
    static final long THREAD_STACK_SIZE = 16L << 20;

    @Override
    public String name() {
        return NAME;
    }

    /** {@link #THREAD_STACK_SIZE}: DuckDB recurses on the caller's stack up to its own depth limits. */
    @Override
    public long threadStackSize() {
        return THREAD_STACK_SIZE;
    }

    /** The configuration the database was opened with. */
    public DuckDbConfig config() {
        return config;
    }

    @Override
    public QuerySession open(SessionContext context) throws PgException {
        DuckDBConnection conn;
        String catalogName;
        DuckDbLockdown policy;
        try {
            DuckDBConnection database = root();
            catalogName = defaultCatalog();
            policy = lockdown(catalogName);
            conn = database.duplicate();
        } catch (SQLException e) {
            throw DuckDbErrors.map(e).withSeverity(PgException.Severity.FATAL);
        }
        DuckDbSession session;
        try {
            session = new DuckDbSession(conn, DuckDbCatalog.install(conn, context, catalogName), schemaGeneration,
                    policy, config.tempDirectory() == null ? null : java.nio.file.Path.of(config.tempDirectory()));
        } catch (RuntimeException e) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // the installation failure is what matters
            }
            throw e instanceof PgException p ? p.withSeverity(PgException.Severity.FATAL) : e;
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

    private synchronized DuckDbLockdown lockdown(String catalogName) throws SQLException {
        if (lockdown == null) {
            java.util.Set<String> names = new java.util.HashSet<>();
            try (Statement s = root().createStatement();
                    ResultSet rs = s.executeQuery("SELECT name FROM duckdb_settings()")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            lockdown = new DuckDbLockdown(config, catalogName, names);
        }
        return lockdown;
    }

    private synchronized String defaultCatalog() throws SQLException {
        if (defaultCatalog == null) {
            try (Statement s = root().createStatement(); ResultSet rs = s.executeQuery("SELECT current_database()")) {
                rs.next();
                defaultCatalog = rs.getString(1);
            }
        }
        return defaultCatalog;
    }

    private synchronized DuckDBConnection root() {
        if (root == null) {
            root = openRoot(config);
        }
        return root;
    }

    @Override
    public synchronized void close() {
        if (root == null) {
            return;
        }
        try {
            root.close();
        } catch (SQLException e) {
            throw new PgException(SqlState.INTERNAL_ERROR, "could not close DuckDB: " + e.getMessage(), e);
        }
    }
}
