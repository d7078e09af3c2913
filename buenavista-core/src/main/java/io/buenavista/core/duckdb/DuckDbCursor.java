package io.buenavista.core.duckdb;

import io.buenavista.api.Column;
import io.buenavista.api.PgException;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SqlState;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The rows of one execution, pulled from DuckDB's streamed result one at a time. When the session needs the
 * connection for another statement while this cursor is still open, {@link #readAhead()} moves the rest of the
 * result into a {@link RowSpill} (bounded memory, then a temporary file) and the cursor continues from there.
 */
final class DuckDbCursor implements RowCursor {
    private static final Logger LOG = LoggerFactory.getLogger(DuckDbCursor.class);

    private final DuckDbSession session;
    private final PreparedQuery owner;
    private final List<Column> columns;
    private final List<DuckDbTypes.Mapping> mappings;

    /** The streamed result, or null once exhausted, read ahead to its end, or closed. */
    private ResultSet rs;
    /** The statement of {@link #rs} when its query was closed while the result was still being read; else null. */
    private Statement orphan;
    /** Whether the cursor is on a row of {@link #rs}. */
    private boolean onRow;
    /** Rows read ahead, returned before any further row of {@link #rs}; null when none. */
    private RowSpill spill;
    /** The current row when it is not read from {@link #rs}. */
    private Object[] current;
    /** An error met while reading ahead, reported when the client reaches it. */
    private PgException deferred;
    private boolean closed;

    DuckDbCursor(DuckDbSession session, PreparedQuery owner, ResultSet rs, List<Column> columns,
            List<DuckDbTypes.Mapping> mappings) {
        this.session = session;
        this.owner = owner;
        this.rs = rs;
        this.columns = columns;
        this.mappings = mappings;
    }

    PreparedQuery owner() {
        return owner;
    }

    /** Closes {@code statement} with the result: its query was closed while this cursor still reads it. */
    void closeStatementWithResult(Statement statement) {
        orphan = statement;
    }

    /** Whether rows read ahead wait in a temporary file (for tests). */
    boolean spilledToDisk() {
        return spill != null && spill.onDisk();
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
        current = null;
        onRow = false;
        if (spill != null) {
            Object[] row;
            try {
                row = spill.next();
            } catch (IOException e) {
                close();
                throw spillFailed(e);
            }
            if (row != null) {
                current = row;
                return true;
            }
            spill.close();
            spill = null;
        }
        if (deferred != null) {
            PgException e = deferred;
            deferred = null;
            throw e;
        }
        if (rs == null) {
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
        if (current != null) {
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

    /**
     * Moves the rest of DuckDB's result (and the current row) out of DuckDB, so the connection is free, keeping
     * the cursor where it is. Checks for a cancel before each row: then it stops, leaves the rest in DuckDB (the
     * cursor is intact and still streaming) and throws 57014 for the statement that needed the connection. Any
     * other failure is the cursor's, met by its client where it happened.
     */
    void readAhead() {
        if (closed || rs == null) {
            return;
        }
        boolean canceled = false;
        try {
            if (onRow) {
                current = readRow();
                onRow = false;
            }
            if (spill == null) {
                spill = session.spills().open(mappings);
            }
            while (!(canceled = session.cancelRequested()) && rs.next()) {
                spill.add(readRow());
            }
            spill.flush();
        } catch (SQLException e) {
            deferred = DuckDbErrors.map(e);
        } catch (IOException e) {
            LOG.warn("a cursor's rows could not be written to a temporary file", e);
            deferred = spillFailed(e);
        } catch (PgException e) {
            deferred = e;
        } catch (RuntimeException e) {
            LOG.warn("reading a cursor ahead failed", e);
            deferred = new PgException(SqlState.INTERNAL_ERROR, "internal error: " + e.getClass().getSimpleName(), e);
        }
        if (canceled && deferred == null) {
            // The rest stays in DuckDB. The cancel ends the statement that needed the connection, not this
            // cursor's later fetches.
            session.cancelHandled();
            throw DuckDbErrors.canceled(null);
        }
        closeResultSet();
    }

    private static PgException spillFailed(IOException e) {
        return new PgException("58030", "could not use a temporary file for the cursor's rows: " + e.getMessage(), e);
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
        onRow = false;
        if (r != null) {
            try {
                r.close();
            } catch (SQLException ignored) {
                // the result is gone either way
            }
        }
        if (orphan != null) {
            try {
                orphan.close();
            } catch (SQLException ignored) {
                // nothing left to release
            }
            orphan = null;
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
        if (spill != null) {
            spill.close();
            spill = null;
        }
        current = null;
        deferred = null;
    }
}
