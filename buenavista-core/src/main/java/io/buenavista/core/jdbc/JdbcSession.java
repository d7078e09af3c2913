package io.buenavista.core.jdbc;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One client session on its own JDBC connection.
 *
 * <p>Rows stream: each result is read from the driver {@link JdbcHandler#fetchSize()} rows at a time, never as a
 * whole. Many drivers (pgjdbc among them) only fetch in batches inside a transaction, so a statement that returns
 * rows outside the client's transaction block runs in an implicit transaction of its own, committed when its cursor
 * ends, which is what autocommit would have done for it.
 *
 * <p>A cancel (or the core's {@code statement_timeout}) calls {@link Statement#cancel()} on the statement that is
 * executing or fetching, once per statement however often the core reminds, so no stray cancel can reach the
 * statement after it; the statement then fails with 57014.
 */
final class JdbcSession implements QuerySession {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcSession.class);

    private final Connection conn;
    private final JdbcConnector connector;
    private final JdbcDialect dialect;
    private final SessionContext context;
    private final int fetchSize;
    private final Set<JdbcPreparedQuery> statements = new LinkedHashSet<>();
    /** Cursors running in the implicit transaction opened for them outside a block. */
    private final Set<JdbcCursor> implicitCursors = new HashSet<>();
    /** Inside the client's transaction block. */
    private boolean inBlock;
    private boolean closed;
    /** A connection-class error was met: the connection must not serve another session. */
    private volatile boolean broken;

    // Read by cancel() from another thread.
    private final Object cancelLock = new Object();
    private Statement running;
    private boolean cancelRequested;
    private boolean cancelSent;

    JdbcSession(Connection conn, JdbcConnector connector, JdbcDialect dialect, SessionContext context,
            int fetchSize) {
        this.conn = Objects.requireNonNull(conn, "conn");
        this.connector = Objects.requireNonNull(connector, "connector");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.context = context;
        this.fetchSize = fetchSize;
    }

    /** Runs the dialect's statements for a new session. */
    void start() throws SQLException {
        conn.setAutoCommit(true);
        for (String sql : dialect.sessionStart(context)) {
            try (Statement s = conn.createStatement()) {
                s.execute(sql);
            }
        }
    }

    @Override
    public PreparedQuery prepare(String sql, List<PgType> parameterTypes) throws PgException {
        Objects.requireNonNull(sql, "sql");
        ensureOpen();
        JdbcText text = JdbcText.of(dialect.rewrite(sql, context), dialect.doublesQuestionMarkOperators());
        if (text.parameterCount() > 65_535) {
            throw new PgException("42P02", "there is no parameter $" + text.parameterCount());
        }
        JdbcPreparedQuery query = JdbcPreparedQuery.prepare(this, text,
                parameterTypes == null ? List.of() : parameterTypes);
        statements.add(query);
        return query;
    }

    @Override
    public void begin(TransactionOptions options) throws PgException {
        ensureOpen();
        try {
            if (!implicitCursors.isEmpty()) {
                // The implicit transaction of the open cursors becomes the block: they no longer commit it.
                implicitCursors.clear();
            } else {
                conn.setAutoCommit(false);
            }
            inBlock = true;
            if (options != null && options.isolationLevel() != null) {
                conn.setTransactionIsolation(isolation(options.isolationLevel()));
            }
        } catch (SQLException e) {
            throw error(e);
        }
    }

    private static int isolation(String level) {
        return switch (level.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ")) {
            case "SERIALIZABLE" -> Connection.TRANSACTION_SERIALIZABLE;
            case "REPEATABLE READ" -> Connection.TRANSACTION_REPEATABLE_READ;
            case "READ UNCOMMITTED" -> Connection.TRANSACTION_READ_UNCOMMITTED;
            default -> Connection.TRANSACTION_READ_COMMITTED;
        };
    }

    @Override
    public void commit() throws PgException {
        ensureOpen();
        try {
            if (conn.getAutoCommit()) {
                return; // nothing open (drivers refuse to commit in autocommit)
            }
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw error(e);
        } finally {
            endBlock();
        }
    }

    @Override
    public void rollback() throws PgException {
        ensureOpen();
        try {
            if (conn.getAutoCommit()) {
                return; // already ended, e.g. an implicit transaction rolled back after its failure
            }
            conn.rollback();
        } catch (SQLException e) {
            throw error(e);
        } finally {
            endBlock();
        }
    }

    private void endBlock() {
        inBlock = false;
        try {
            conn.setAutoCommit(true);
        } catch (SQLException e) {
            LOG.debug("could not return to autocommit", e);
        }
    }

    private void rollbackQuietly() {
        try {
            conn.rollback();
        } catch (SQLException ignored) {
            // nothing left to roll back
        }
    }

    @Override
    public void cancel() {
        synchronized (cancelLock) {
            if (running == null || cancelSent) {
                return; // nothing runs, or it was told already: like PostgreSQL, a late cancel does nothing
            }
            cancelRequested = true;
            cancelSent = true;
            try {
                running.cancel();
            } catch (SQLException e) {
                LOG.debug("cancelling a JDBC statement failed", e);
            }
        }
    }

    @Override
    public void settingChanged(String name, String value) {
        if (name == null || value == null || closed) {
            return;
        }
        for (String sql : dialect.settingChanged(name, value, context)) {
            try (Statement s = conn.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                        "invalid value for parameter \"" + name + "\": \"" + value + "\"", e)
                        .withDetail(JdbcErrors.message(e));
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true; // from here an implicit transaction still open is rolled back, as PostgreSQL does on disconnect
        for (JdbcPreparedQuery q : new ArrayList<>(statements)) {
            q.close();
        }
        boolean reusable = !broken;
        try {
            if (!conn.getAutoCommit()) {
                conn.rollback(); // a pooled connection must not carry the client's open transaction on
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            LOG.debug("rolling back a closing session failed", e);
            reusable = false;
        }
        try {
            connector.release(conn, reusable);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("releasing a JDBC connection failed", e);
        }
    }

    // ---- for the statements and cursors of this session ----

    Connection connection() {
        return conn;
    }

    int fetchSize() {
        return fetchSize;
    }

    void ensureOpen() {
        if (closed) {
            throw new PgException(SqlState.CONNECTION_EXCEPTION, "the session is closed");
        }
    }

    PgException error(SQLException e) {
        PgException mapped = JdbcErrors.map(e, dialect);
        if (mapped.sqlState().startsWith("08") || mapped.sqlState().startsWith("57P")) {
            broken = true;
        }
        return mapped;
    }

    /**
     * Before a statement that returns rows runs outside a block: switches to an implicit transaction so the driver
     * fetches in batches. Returns whether the cursor it makes belongs to that implicit transaction.
     */
    boolean beginImplicit() throws SQLException {
        if (inBlock) {
            return false;
        }
        if (conn.getAutoCommit()) {
            conn.setAutoCommit(false);
        }
        return true;
    }

    void implicitCursorOpened(JdbcCursor cursor) {
        implicitCursors.add(cursor);
    }

    /**
     * A cursor of the implicit transaction ended: the last one commits it (or rolls it back after a failure) and the
     * session is back in autocommit.
     */
    void implicitCursorEnded(JdbcCursor cursor, boolean failed) {
        if (!implicitCursors.remove(cursor) || !implicitCursors.isEmpty() || inBlock) {
            return;
        }
        endImplicit(failed || closed);
    }

    /** Ends the implicit transaction when no cursor of it is open (an execution failed before it had one). */
    void endImplicitIfIdle(boolean failed) {
        if (!inBlock && implicitCursors.isEmpty()) {
            endImplicit(failed || closed);
        }
    }

    private void endImplicit(boolean failed) {
        try {
            if (!conn.getAutoCommit()) {
                if (failed) {
                    conn.rollback();
                } else {
                    conn.commit();
                }
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            LOG.debug("ending an implicit transaction failed", e);
        }
    }

    /** A statement starts executing or fetching: a cancel from now on interrupts it. */
    void startWork(Statement statement, boolean newStatement) {
        synchronized (cancelLock) {
            if (newStatement) {
                cancelRequested = false;
            }
            cancelSent = false;
            running = statement;
        }
    }

    void endWork() {
        synchronized (cancelLock) {
            running = null;
        }
    }

    boolean cancelRequested() {
        synchronized (cancelLock) {
            return cancelRequested;
        }
    }

    void statementClosed(JdbcPreparedQuery query) {
        statements.remove(query);
    }
}
