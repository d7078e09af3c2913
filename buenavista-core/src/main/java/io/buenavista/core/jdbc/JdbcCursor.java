package io.buenavista.core.jdbc;

import io.buenavista.api.Column;
import io.buenavista.api.PgException;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SqlState;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The rows of one execution, pulled from the driver's result set one at a time; the driver holds at most one batch
 * of {@link JdbcHandler#fetchSize()} rows. The result set is closed as soon as it is exhausted, and with it the
 * implicit transaction it ran in.
 */
final class JdbcCursor implements RowCursor {
    private final JdbcSession session;
    private final PreparedStatement statement;
    /** Whether the statement was made for this execution only and is closed with the cursor. */
    private final boolean ownsStatement;
    private final List<Column> columns;
    private final List<JdbcTypes.Mapping> mappings;
    /** Whether it runs in the implicit transaction the session opened for it. */
    private final boolean implicit;
    /** The result, or null once exhausted, failed or closed. */
    private ResultSet rs;
    private boolean onRow;
    private boolean closed;
    private long rowsRead;

    JdbcCursor(JdbcSession session, PreparedStatement statement, boolean ownsStatement, ResultSet rs,
            List<Column> columns, List<JdbcTypes.Mapping> mappings, boolean implicit) {
        this.session = session;
        this.statement = statement;
        this.ownsStatement = ownsStatement;
        this.rs = rs;
        this.columns = columns;
        this.mappings = mappings;
        this.implicit = implicit;
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    /** Whether its result is finished: exhausted, failed or closed. */
    boolean isClosed() {
        return rs == null;
    }

    /** The rows read so far (tests compare it with what the driver holds). */
    long rowsRead() {
        return rowsRead;
    }

    /** The result set being read, or null once finished (tests inspect the driver's buffer through it). */
    ResultSet resultSet() {
        return rs;
    }

    @Override
    public boolean next() throws PgException {
        if (closed) {
            throw new PgException(SqlState.INVALID_CURSOR_STATE, "cursor is closed");
        }
        onRow = false;
        if (rs == null) {
            return false;
        }
        session.startWork(statement, false);
        try {
            onRow = rs.next();
        } catch (SQLException e) {
            boolean canceled = session.cancelRequested();
            finish(true);
            throw canceled ? JdbcErrors.canceled(e) : session.error(e);
        } finally {
            session.endWork();
        }
        if (onRow) {
            rowsRead++;
        } else {
            finish(false);
        }
        return onRow;
    }

    @Override
    public Object get(int column) throws PgException {
        if (column < 0 || column >= columns.size()) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "no column " + column);
        }
        if (!onRow || rs == null) {
            throw new PgException(SqlState.INVALID_CURSOR_STATE, "cursor is not on a row");
        }
        try {
            return JdbcTypes.read(rs, column + 1, mappings.get(column));
        } catch (SQLException e) {
            throw session.error(e);
        }
    }

    /** Releases the result (and the implicit transaction, committed unless the result failed). */
    private void finish(boolean failed) {
        ResultSet r = rs;
        rs = null;
        onRow = false;
        if (r == null) {
            return;
        }
        try {
            r.close();
        } catch (SQLException ignored) {
            // the result is gone either way
        }
        if (ownsStatement) {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // nothing left to release
            }
        }
        if (implicit) {
            session.implicitCursorEnded(this, failed);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        finish(false);
    }
}
