package io.buenavista.api;

import java.util.List;

/**
 * A forward-only, pull-based stream of rows. The core asks for one row at a time and encodes each value straight
 * into its output buffer, so a handler never needs to hold a whole result. A cursor may be left half-read (a portal
 * suspended by a row limit) and resumed later on the same thread or another one of the same session.
 */
public interface RowCursor extends AutoCloseable {
    /** The columns of every row; the same list the statement described. */
    List<Column> columns();

    /**
     * Advances to the next row.
     *
     * @return false at the end
     * @throws PgException on failure, {@code 57014} when the session was cancelled
     */
    boolean next() throws PgException;

    /**
     * The value of a column of the current row (0-based), typed as {@link PgType} documents; null for SQL NULL.
     */
    Object get(int column) throws PgException;

    /** Releases the cursor; idempotent. */
    @Override
    void close();
}
