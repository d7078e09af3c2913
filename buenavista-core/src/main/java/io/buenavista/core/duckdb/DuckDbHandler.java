package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;

import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

import java.util.Objects;

/**
 * Serves SQL from one DuckDB database ({@link DuckDbDatabase}), opened when the handler is constructed. Each
 * session gets its own DuckDB connection ({@link DuckDBConnection#duplicate()} of the database's root connection)
 * with streamed results, so a large result is never held in memory as a whole.
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
    private DuckDbDatabase database;

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
        this.database = DuckDbDatabase.open(config);
    }

    /**
     * The stack of the threads that call into DuckDB: {@value #THREAD_STACK_SIZE} bytes. DuckDB parses, binds and
     * plans on the calling thread, recursing natively once per nesting level up to its {@code max_expression_depth}
     * (1000), and an overflow there ends the process. Measured at that limit: nested operators, calls, CASE or NOT
     * about 1.3 MiB (an 800-term {@code 1+1+…} already overflows the JVM's default 1 MiB); the worst shape found, a
     * chain of 990 CTEs each reading the one before, about 4 MiB. Stack pages are committed only when touched, so
     * the fourfold margin costs address space, not memory.
     */
    public static final long THREAD_STACK_SIZE = 16L << 20;

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
        return database().openSession(context);
    }

    private synchronized DuckDbDatabase database() {
        if (database == null) {
            database = DuckDbDatabase.open(config);
        }
        return database;
    }

    @Override
    public synchronized void close() {
        if (database != null) {
            database.close();
        }
    }
}
