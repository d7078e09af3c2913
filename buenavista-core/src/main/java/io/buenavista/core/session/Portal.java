package io.buenavista.core.session;

import io.buenavista.api.RowCursor;
import io.buenavista.core.types.Codec;

import java.util.List;

/**
 * A bound statement ready to run, and, once it ran and returned rows, the cursor it is reading. A row limit on
 * Execute leaves the cursor open here until the next Execute (PortalSuspended).
 */
final class Portal {
    final String name;
    final Prepared statement;
    final List<Object> parameters;
    /** The format code of each result column, expanded to one per column. */
    final short[] resultFormats;
    /** The codec of each result column. */
    final Codec[] codecs;

    RowCursor cursor;
    boolean started;
    boolean done;

    Portal(String name, Prepared statement, List<Object> parameters, short[] resultFormats, Codec[] codecs) {
        this.name = name;
        this.statement = statement;
        this.parameters = parameters;
        this.resultFormats = resultFormats;
        this.codecs = codecs;
    }

    void close() {
        if (cursor != null) {
            cursor.close();
            cursor = null;
        }
    }
}
