package io.buenavista.core.session;

import io.buenavista.api.RowCursor;
import io.buenavista.core.types.Codec;

import java.util.List;

/**
 * A bound statement ready to run, and, once it ran and returned rows, the cursor it is reading. A row limit on
 * Execute leaves the cursor open here until the next Execute (PortalSuspended). It keeps its statement's handler
 * query alive until {@link #close()}.
 */
final class Portal {
    final String name;
    final Prepared statement;
    final List<Object> parameters;
    /** The format code of each result column, expanded to one per column; null for all text. */
    final short[] resultFormats;
    /** The codec of each result column. */
    final Codec[] codecs;

    RowCursor cursor;
    boolean started;
    boolean done;
    private boolean closed;

    Portal(String name, Prepared statement, List<Object> parameters, short[] resultFormats, Codec[] codecs) {
        this.name = name;
        this.statement = statement;
        this.parameters = parameters;
        this.resultFormats = resultFormats;
        this.codecs = codecs;
        statement.portalOpened();
    }

    /** Releases the cursor once the rows are all read; the portal stays (a later Execute completes again). */
    void closeCursor() {
        if (cursor != null) {
            cursor.close();
            cursor = null;
        }
    }

    /** Ends the portal; idempotent. */
    void close() {
        closeCursor();
        if (!closed) {
            closed = true;
            statement.portalClosed();
        }
    }
}
