package io.buenavista.core.duckdb;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.SqlState;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * A statement of a simple Query, run by DuckDB's direct execution ({@link Statement#execute(String)}: one native call
 * that parses, plans and runs) instead of a prepare and an execution, which costs about twice as much for a short
 * query. Nothing describes it before it runs: its columns are those of its result (see
 * {@link io.buenavista.api.QuerySession#prepareToRunOnce}), named as for a prepared statement.
 *
 * <p>DuckDB's direct execution does not tell an error found before the statement ran (which PostgreSQL places in
 * the text) from one raised while it ran, and its driver hides the message of some raised before the first row. So a
 * statement DuckDB refused to bind (SQLSTATE class 42: nothing ran) is prepared and run as by Parse, which reports
 * the error as for any prepared statement or, when the catalog's objects were what it missed, runs it; any other
 * failure is checked with a prepare (which runs nothing): its error if it fails, else DuckDB's error from running,
 * as a prepared statement's would be (a hidden one found by running once more without streaming, as
 * {@link DuckDbPreparedQuery} does). A failed statement thus runs as often as it would have when prepared (a
 * sequence's nextval in it advances as much). Only statements that read or write rows run directly, outside a
 * transaction block (see {@link DuckDbSession#prepareToRunOnce}); in a block (the implicit one of a Query with several
 * statements too) a failure would have aborted DuckDB's transaction before the prepare, so there it is prepared from
 * the start.
 */
final class DuckDbDirectQuery implements PreparedQuery {
    private final DuckDbSession session;
    /** The client's text: PostgreSQL's column names come from it. */
    private final String clientSql;
    /** What DuckDB runs: the client's text after the catalog and numeric rewrites. */
    private final String sql;
    private final ColumnLabels.SelectList labels;
    private final ClientCatalogQueries.Rule rule;
    /** The statement of the last direct execution (its result may still be read), or null. */
    private Statement statement;
    /** The columns of the last direct execution's rows; none before it ran. */
    private List<Column> columns = List.of();
    /** The same text prepared as by Parse, once the direct way was not taken; null until then. */
    private PreparedQuery prepared;
    private boolean closed;

    /**
     * @param labels the client's select list, read before it runs: a text nested too deeply fails before
     *               anything ran
     */
    DuckDbDirectQuery(DuckDbSession session, String clientSql, String sql, ColumnLabels.SelectList labels,
            ClientCatalogQueries.Rule rule) {
        this.session = session;
        this.clientSql = clientSql;
        this.sql = sql;
        this.labels = labels;
        this.rule = rule;
    }

    @Override
    public List<PgType> parameterTypes() {
        return List.of();
    }

    @Override
    public List<Column> columns() {
        return prepared != null ? prepared.columns() : columns;
    }

    @Override
    public boolean columnsDependOnParameters() {
        return true;
    }

    @Override
    public ExecutionResult execute(List<Object> parameters) throws PgException {
        if (closed) {
            throw new PgException(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement is closed");
        }
        if (parameters != null && !parameters.isEmpty()) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "statement needs 0 parameters, got "
                    + parameters.size());
        }
        session.ensureOpen();
        if (prepared == null && !session.inTransaction()) {
            SQLException failure;
            try {
                return runDirectly(true);
            } catch (SQLException e) {
                failure = e;
            }
            PgException error = DuckDbErrors.map(failure);
            if (!error.sqlState().startsWith("42")) {
                return afterFailedRun(failure, error);
            }
            // Refused while binding, before anything ran: as prepared (with the catalog's objects, should it need them).
        }
        if (prepared == null) {
            prepared = session.prepare(clientSql, List.of());
        }
        return prepared.execute(List.of());
    }

    /**
     * Runs the statement directly.
     *
     * @param stream whether its rows stream from DuckDB (else they are read ahead into the cursor at once)
     * @throws SQLException when DuckDB failed to run it (not cancelled)
     */
    private ExecutionResult runDirectly(boolean stream) throws SQLException {
        session.startWork(null, stream); // the run without streaming is the same statement: its cancel still counts
        try {
            // Reading a suspended cursor into memory may take a while: it counts as part of this statement.
            session.releaseConnection();
            throwIfCanceled(null);
            closeStatement();
            statement = session.connection().createStatement();
            session.startWork(statement, false);
            // A cancel that came while no statement was set to interrupt: the flag is all it left.
            throwIfCanceled(null);
            boolean hasRows;
            try {
                hasRows = statement.execute(sql);
            } catch (SQLException e) {
                throwIfCanceled(e);
                throw e;
            }
            if (!hasRows) {
                return ExecutionResult.Command.of(statement.getLargeUpdateCount());
            }
            ResultSet rs = statement.getResultSet();
            DuckDbPreparedQuery.ResultShape shape = DuckDbPreparedQuery.resultShape(rs, labels, rule);
            columns = shape.columns();
            DuckDbCursor cursor = new DuckDbCursor(session, this, rs, shape.columns(), shape.mappings());
            return DuckDbPreparedQuery.started(session, cursor, stream);
        } finally {
            session.endWork();
        }
    }

    /**
     * After a failure that was not a refusal to bind: the prepare's error when the statement does not prepare (as
     * PostgreSQL, it then had not run), else the error of running it.
     */
    private ExecutionResult afterFailedRun(SQLException failure, PgException error) {
        session.prepare(clientSql, List.of()).close();
        if (!DuckDbErrors.HIDDEN_STREAM_ERROR.equals(failure.getMessage())) {
            throw error;
        }
        // Outside a block the failed statement left nothing behind: run once more without streaming, which reports
        // DuckDB's real error.
        try {
            setStreaming(false);
            try {
                return runDirectly(false);
            } finally {
                setStreaming(true);
            }
        } catch (SQLException e) {
            throw DuckDbErrors.map(e);
        }
    }

    private void setStreaming(boolean on) throws SQLException {
        try (Statement s = session.connection().createStatement()) {
            s.execute("SET jdbc_stream_results = " + on);
        }
    }

    private void throwIfCanceled(SQLException cause) {
        if (session.cancelRequested()) {
            throw DuckDbErrors.canceled(cause);
        }
    }

    /** Closes the last direct execution's statement, unless the streaming cursor still reads its result. */
    private void closeStatement() {
        if (statement == null) {
            return;
        }
        DuckDbCursor cursor = session.streamingCursor();
        if (cursor != null && cursor.owner() == this) {
            // Closing it would close the result a portal still reads: the cursor closes it when done.
            cursor.closeStatementWithResult(statement);
        } else {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // nothing left to release
            }
        }
        statement = null;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        session.statementClosed(this);
        closeStatement();
        if (prepared != null) {
            prepared.close();
        }
    }
}
