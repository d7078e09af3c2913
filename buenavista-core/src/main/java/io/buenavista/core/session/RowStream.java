package io.buenavista.core.session;

import io.buenavista.api.RowCursor;
import io.buenavista.core.sql.Statement;
import io.buenavista.core.types.ByteSink;
import io.buenavista.core.types.Codec;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;

/**
 * Sends a statement's rows: pulls them from the handler's {@link RowCursor} one at a time (never holding them),
 * encodes each as it goes, stops at a row limit, and ends with the tag or PortalSuspended. Simple queries, Execute,
 * {@code FETCH} and {@code COPY TO STDOUT} all stream through {@link #pump}.
 */
final class RowStream {
    private final MessageWriter out;
    private final HandlerCalls calls;
    private final SessionSettings settings;
    private final Notices notices;

    RowStream(MessageWriter out, HandlerCalls calls, SessionSettings settings, Notices notices) {
        this.out = out;
        this.calls = calls;
        this.settings = settings;
        this.notices = notices;
    }

    /** Writes the cursor's current row. */
    @FunctionalInterface
    interface RowWriter {
        void write(RowCursor row) throws IOException;
    }

    /**
     * Sends the portal's next rows as DataRows, up to {@code maxRows} (0: all): then CommandComplete if that was the
     * last of them, else PortalSuspended (a later Execute goes on).
     */
    void send(Portal portal, int maxRows) throws IOException {
        if (portal.done) {
            out.commandComplete(rowsTag(portal.tagKind, 0)); // executed again after its rows were all sent
            return;
        }
        Codec[] codecs = portal.codecs;
        short[] formats = portal.resultFormats;
        long sent = pump(portal.cursor, maxRows, row -> dataRow(row, codecs, formats), () -> {
            portal.done = true;
            portal.closeCursor(); // release the handler's resources now, not when the portal closes
        });
        if (portal.done) {
            notices.commandComplete(rowsTag(portal.tagKind, sent));
        } else {
            out.portalSuspended();
        }
    }

    /** Sends every row of the cursor as CopyData; returns how many. */
    long copy(RowCursor cursor, CopyOut copy) throws IOException {
        return pump(cursor, 0, row -> copy.row(row, out), () -> {});
    }

    /**
     * Writes rows until there are none ({@code atEnd} then runs) or {@code maxRows} are written (0: no limit).
     *
     * @return how many rows were written
     */
    private long pump(RowCursor cursor, long maxRows, RowWriter writer, Runnable atEnd) throws IOException {
        return calls.streaming(() -> {
            long sent = 0;
            while (maxRows <= 0 || sent < maxRows) {
                // Here, not only in the handler: a client reading slowly keeps this loop in the writes, where
                // no handler sees a cancel, and one cancel must end the stream.
                calls.checkStopped();
                if (!cursor.next()) {
                    atEnd.run();
                    break;
                }
                writer.write(cursor);
                sent++;
            }
            return sent;
        });
    }

    private void dataRow(RowCursor row, Codec[] codecs, short[] formats) throws IOException {
        int n = codecs.length;
        out.beginDataRow(n);
        try {
            for (int i = 0; i < n; i++) {
                Object v = row.get(i);
                if (v == null) {
                    out.nullValue();
                    continue;
                }
                ByteSink value = out.beginValue();
                if (formats != null && formats[i] == 1) {
                    codecs[i].encodeBinary(v, value, settings.typeContext());
                } else {
                    codecs[i].encodeText(v, value, settings.typeContext());
                }
                out.endValue();
            }
        } catch (RuntimeException e) {
            out.abandonMessage(); // a half-written DataRow must not reach the client
            throw e;
        }
        out.endDataRow();
    }

    /**
     * The tag after a statement's rows: its own counted tag ({@code SELECT n}, {@code INSERT 0 n} for
     * {@code RETURNING}, {@code FETCH n}…), PostgreSQL's uncounted ones for rows ({@code SHOW}, {@code EXPLAIN},
     * {@code CALL}), and {@code SELECT n} for statements PostgreSQL does not know (a handler's own {@code DESCRIBE}
     * or {@code PRAGMA}), since clients read the row count from it.
     */
    static String rowsTag(Statement kind, long rows) {
        String stem = kind.tagStem();
        String tag = Statement.commandTag(stem, rows);
        if (!tag.equals(stem) || stem.equals("SHOW") || stem.equals("EXPLAIN") || stem.equals("CALL")) {
            return tag;
        }
        return Statement.commandTag("SELECT", rows);
    }
}
