package io.buenavista.core.duckdb;

import io.buenavista.api.Column;
import io.buenavista.api.PgException;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SqlState;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The rows of one execution, pulled from DuckDB's streamed result one at a time. When the session needs the
 * connection for another statement while this cursor is still open, {@link #materialize()} reads the rest into
 * memory and the cursor continues from there.
 */
final class DuckDbCursor implements RowCursor {
    private final DuckDbSession session;
    private final DuckDbPreparedQuery owner;
    private final List<Column> columns;
    private final List<DuckDbTypes.Mapping> mappings;

    /** The streamed result, or null once exhausted, materialized or closed. */
    private ResultSet rs;
    private boolean onRow;
    /** Rows read ahead by {@link #materialize()}; null while streaming. */
    private ArrayDeque<Object[]> buffered;
    private Object[] current;
    /** An error met while reading ahead, reported when the client reaches it. */
    private PgException deferred;
    private boolean closed;

    DuckDbCursor(DuckDbSession session, DuckDbPreparedQuery owner, ResultSet rs, List<Column> columns,
            List<DuckDbTypes.Mapping> mappings) {
        this.session = session;
        this.owner = owner;
        this.rs = rs;
        this.columns = columns;
        this.mappings = mappings;
    }

    DuckDbPreparedQuery owner() {
        return owner;
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    @Override
    public boolean next() throws PgException {
        if (closed) {
            throw new PgException(SqlState.INVALID_CURSOR_STATE, "cursor is closed");
        }
        if (session.cancelRequested()) {
            close();
            throw DuckDbErrors.canceled(null);
        }
        if (buffered != null) {
            current = buffered.poll();
            if (current == null && deferred != null) {
                PgException e = deferred;
                deferred = null;
                throw e;
            }
            return current != null;
        }
        if (rs == null) {
            onRow = false;
            return false;
        }
        session.startWork(null, false);
        try {
            onRow = rs.next();
        } catch (SQLException e) {
            boolean canceled = session.cancelRequested();
            close();
            throw canceled ? DuckDbErrors.canceled(e) : DuckDbErrors.map(e);
        } finally {
            session.endWork();
        }
        if (!onRow) {
            // Free the connection as soon as the result is exhausted, not only when the core closes the cursor.
            closeResultSet();
        }
        return onRow;
    }

    @Override
    public Object get(int column) throws PgException {
        if (column < 0 || column >= columns.size()) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "no column " + column);
        }
        if (buffered != null) {
            if (current == null) {
                throw new PgException(SqlState.INVALID_CURSOR_STATE, "cursor is not on a row");
            }
            return current[column];
        }
        if (!onRow || rs == null) {
            throw new PgException(SqlState.INVALID_CURSOR_STATE, "cursor is not on a row");
        }
        try {
            return DuckDbTypes.read(rs, column + 1, mappings.get(column));
        } catch (SQLException e) {
            throw DuckDbErrors.map(e);
        }
    }

    /** Reads the remaining rows (and the current one) into memory and releases DuckDB's result. */
    void materialize() {
        if (buffered != null || closed) {
            return;
        }
        buffered = new ArrayDeque<>();
        if (rs == null) {
            return;
        }
        try {
            if (onRow) {
                current = readRow();
            }
            while (rs.next()) {
                if (session.cancelRequested()) {
                    deferred = DuckDbErrors.canceled(null);
                    break;
                }
                buffered.add(readRow());
            }
        } catch (SQLException e) {
            deferred = DuckDbErrors.map(e);
        } catch (PgException e) {
            deferred = e;
        } finally {
            closeResultSet();
        }
    }

    private Object[] readRow() throws SQLException {
        Object[] row = new Object[mappings.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = DuckDbTypes.read(rs, i + 1, mappings.get(i));
        }
        return row;
    }

    private void closeResultSet() {
        ResultSet r = rs;
        rs = null;
        if (r != null) {
            try {
                r.close();
            } catch (SQLException ignored) {
                // the result is gone either way
            }
        }
        session.streamingEnded(this);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeResultSet();
        buffered = null;
        current = null;
    }
}
