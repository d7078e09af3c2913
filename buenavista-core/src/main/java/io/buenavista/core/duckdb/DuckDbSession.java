package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;

import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One client session on its own DuckDB connection.
 *
 * <p>DuckDB allows one open streamed result per connection, and refuses to prepare or run anything else while one is
 * open. So before any other statement runs, the still-open cursor (a portal suspended by a row limit) is read to
 * its end into memory and can then be resumed from there.
 */
final class DuckDbSession implements QuerySession {
    private static final Logger LOG = LoggerFactory.getLogger(DuckDbSession.class);

    private final DuckDBConnection conn;
    /** The catalog emulation on this connection, or null when not installed (tests of the bare session). */
    private final DuckDbCatalog catalog;
    private final Set<DuckDbPreparedQuery> statements = new LinkedHashSet<>();

    /** The cursor whose result still occupies the connection, or null. */
    private DuckDbCursor streaming;
    private boolean inTransaction;
    private boolean closed;

    // Written by cancel() from another thread.
    private volatile boolean busy;
    private volatile boolean cancelRequested;
    private volatile Statement running;

    DuckDbSession(DuckDBConnection conn) {
        this(conn, null);
    }

    DuckDbSession(DuckDBConnection conn, DuckDbCatalog catalog) {
        this.conn = conn;
        this.catalog = catalog;
    }

    DuckDBConnection connection() {
        return conn;
    }

    boolean inTransaction() {
        return inTransaction;
    }

    @Override
    public PreparedQuery prepare(String sql, List<PgType> parameterTypes) throws PgException {
        Objects.requireNonNull(sql, "sql");
        ensureOpen();
        releaseConnection();
        String duckSql = catalog == null ? sql : CatalogRewrites.rewrite(sql);
        DuckDbPreparedQuery query;
        try {
            query = DuckDbPreparedQuery.prepare(this, duckSql, parameterTypes == null ? List.of() : parameterTypes);
        } catch (PgException e) {
            throw DuckDbErrors.withPosition(e, duckSql, sql);
        }
        statements.add(query);
        return query;
    }

    @Override
    public void begin(TransactionOptions options) throws PgException {
        // DuckDB has one isolation level (snapshot isolation); the requested level is accepted and not applied.
        runUtility(options != null && options.readOnly() ? "BEGIN TRANSACTION READ ONLY" : "BEGIN TRANSACTION");
        inTransaction = true;
    }

    @Override
    public void commit() throws PgException {
        try {
            runUtility("COMMIT");
        } catch (PgException e) {
            // Leave no half-open transaction behind, whatever the client does next.
            rollbackQuietly();
            throw e;
        } finally {
            inTransaction = false;
        }
    }

    @Override
    public void rollback() throws PgException {
        try {
            runUtility("ROLLBACK");
        } catch (PgException e) {
            if (!SqlState.NO_ACTIVE_SQL_TRANSACTION.equals(e.sqlState())) {
                throw e;
            }
            // DuckDB already ended the transaction: the rollback the client wants has happened.
        } finally {
            inTransaction = false;
        }
    }

    private void rollbackQuietly() {
        try (Statement s = conn.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction left to roll back
        }
    }

    private void runUtility(String sql) {
        ensureOpen();
        releaseConnection();
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw DuckDbErrors.map(e);
        }
    }

    @Override
    public void cancel() {
        if (!busy) {
            return; // nothing runs: like PostgreSQL, ignore the request
        }
        cancelRequested = true;
        Statement statement = running;
        if (statement != null) {
            try {
                // Interrupts DuckDB while it executes; fetching more rows of a streamed result is not
                // interruptible, so cursors also check cancelRequested before each row.
                statement.cancel();
            } catch (SQLException e) {
                LOG.debug("DuckDB cancel failed", e);
            }
        }
    }

    @Override
    public void settingChanged(String name, String value) {
        if (name == null || value == null || closed) {
            return;
        }
        releaseConnection();
        if (catalog != null) {
            try {
                catalog.settingChanged(name, value);
            } catch (SQLException e) {
                LOG.debug("the catalog did not take {} = {}", name, value, e);
            }
        }
        if (!name.equalsIgnoreCase("TimeZone")) {
            return;
        }
        // TIMESTAMPTZ casts and functions such as date_trunc follow DuckDB's TimeZone.
        try (Statement s = conn.createStatement()) {
            s.execute("SET TimeZone = '" + value.replace("'", "''") + "'");
        } catch (SQLException | PgException e) {
            LOG.debug("DuckDB does not accept TimeZone {}", value, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (streaming != null) {
            streaming.close();
        }
        for (DuckDbPreparedQuery q : new ArrayList<>(statements)) {
            q.close();
        }
        try {
            conn.close();
        } catch (SQLException e) {
            LOG.debug("closing a DuckDB connection failed", e);
        }
    }

    // ---- for the statements and cursors of this session ----

    void ensureOpen() {
        if (closed) {
            throw new PgException(SqlState.CONNECTION_EXCEPTION, "the DuckDB session is closed");
        }
    }

    /** Frees the connection for another statement: reads the streaming cursor, if any, into memory. */
    void releaseConnection() {
        DuckDbCursor cursor = streaming;
        if (cursor != null) {
            streaming = null;
            cursor.materialize();
        }
    }

    void streamingStarted(DuckDbCursor cursor) {
        streaming = cursor;
    }

    void streamingEnded(DuckDbCursor cursor) {
        if (streaming == cursor) {
            streaming = null;
        }
    }

    boolean isStreaming(DuckDbCursor cursor) {
        return streaming == cursor;
    }

    DuckDbCursor streamingCursor() {
        return streaming;
    }

    void statementClosed(DuckDbPreparedQuery query) {
        statements.remove(query);
    }

    /** Marks the start of work that {@link #cancel()} may interrupt; a new statement forgets older cancels. */
    void startWork(Statement statement, boolean newStatement) {
        if (newStatement) {
            cancelRequested = false;
        }
        running = statement;
        busy = true;
    }

    void endWork() {
        busy = false;
        running = null;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }
}
