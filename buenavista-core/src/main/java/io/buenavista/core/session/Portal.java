package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.RowCursor;
import io.buenavista.core.sql.Statement;
import io.buenavista.core.types.Codec;

import java.util.List;

/**
 * A bound statement ready to run, and, once it ran and returned rows, the cursor it is reading. A row limit on
 * Execute leaves the cursor open here until the next Execute (PortalSuspended). It keeps its statement's handler
 * query alive until {@link #close()}.
 *
 * <p>A cursor opened by {@code DECLARE} is a portal too, named after the cursor, whose rows come from its
 * {@link SqlCursor}.
 */
final class Portal {
    final String name;
    final Prepared statement;
    final List<Object> parameters;
    /** The format code of each result column, expanded to one per column; null for all text. */
    short[] resultFormats;
    /** The result columns as described when the portal was made (or started, see {@link #described}). */
    List<Column> columns;
    /** The codec of each result column. */
    Codec[] codecs;
    /** The command tag of a statement started at Bind that returned no rows, sent by the first Execute. */
    String earlyTag;

    RowCursor cursor;
    /** The rows of a DECLAREd cursor; null for other portals. */
    SqlCursor sqlCursor;
    /** The statement whose command tag ends the portal's rows: the prepared one for EXECUTE, else its own. */
    Statement tagKind;
    /** The statement an EXECUTE runs, kept alive while this portal reads its rows. */
    private Prepared executed;
    boolean started;
    boolean done;
    private boolean closed;
    /** Its transaction block failed after it was bound: it can no longer run. */
    private boolean aborted;

    Portal(String name, Prepared statement, List<Object> parameters, List<Column> columns, short[] resultFormats,
            Codec[] codecs) {
        this.name = name;
        this.statement = statement;
        this.parameters = parameters;
        this.columns = columns;
        this.resultFormats = resultFormats;
        this.codecs = codecs;
        this.tagKind = statement.kind();
        statement.portalOpened();
    }

    /** The description of a portal whose statement was started at Bind (its columns depend on its parameters). */
    void described(List<Column> columns, short[] resultFormats, Codec[] codecs) {
        this.columns = columns;
        this.resultFormats = resultFormats;
        this.codecs = codecs;
    }

    /** For EXECUTE: the statement it runs stays prepared (its query open) until this portal closes. */
    void executes(Prepared target) {
        target.portalOpened();
        executed = target;
        tagKind = target.kind();
    }

    /** Releases the cursor once the rows are all read; the portal stays (a later Execute completes again). */
    void closeCursor() {
        if (cursor != null) {
            cursor.close();
            cursor = null;
        }
    }

    /**
     * Its transaction block failed: as PostgreSQL's portals of an aborted transaction, it keeps its description but
     * never runs again (see {@link Transactions#checkRuns}), so its rows are released now.
     */
    void abort() {
        aborted = true;
        releaseRows();
    }

    /** Closes the handler's cursor and an SQL cursor's rows; idempotent. */
    private void releaseRows() {
        closeCursor();
        if (sqlCursor != null) {
            sqlCursor.close();
        }
    }

    boolean isAborted() {
        return aborted;
    }

    /** Ends the portal; idempotent. */
    void close() {
        releaseRows();
        if (!closed) {
            closed = true;
            statement.portalClosed();
            if (executed != null) {
                executed.portalClosed();
            }
        }
    }
}
