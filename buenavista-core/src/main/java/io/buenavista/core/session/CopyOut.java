package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.RowCursor;
import io.buenavista.core.sql.Statement;
import io.buenavista.core.types.ByteArraySink;
import io.buenavista.core.types.Codec;
import io.buenavista.core.types.TypeContext;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code COPY … TO STDOUT} in text or CSV format: CopyOutResponse, one CopyData per row, CopyDone. Values are
 * rendered by the text codecs and escaped or quoted as PostgreSQL's {@code CopyAttributeOutText} and
 * {@code CopyAttributeOutCSV} do.
 */
final class CopyOut {
    private final Statement.CopyTo spec;
    private final List<Column> columns;
    private final Codec[] codecs;
    private final TypeContext context;
    private final byte delimiter;
    private final byte[] nullBytes;
    private final ByteArraySink value = new ByteArraySink(64);
    private final ByteArraySink line = new ByteArraySink(256);

    CopyOut(Statement.CopyTo spec, List<Column> columns, Codec[] codecs, TypeContext context) {
        this.spec = spec;
        this.columns = columns;
        this.codecs = codecs;
        this.context = context;
        this.delimiter = (byte) spec.delimiter().charAt(0);
        this.nullBytes = spec.nullString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends the CopyOutResponse (text format for the whole and for each column) and the header line if asked. */
    void begin(MessageWriter out) throws IOException {
        out.copyOutResponse(columns.size());
        if (!spec.header()) {
            return;
        }
        line.reset();
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                line.writeByte(delimiter);
            }
            byte[] name = columns.get(i).name().getBytes(StandardCharsets.UTF_8);
            if (spec.csv()) {
                csv(name, name.length, columns.size() == 1);
            } else {
                text(name, name.length);
            }
        }
        line.writeByte('\n');
        out.copyData(line.buffer(), 0, line.size());
    }

    /** Sends the current row of {@code rows} as one CopyData. */
    void row(RowCursor rows, MessageWriter out) throws IOException {
        line.reset();
        for (int i = 0; i < codecs.length; i++) {
            if (i > 0) {
                line.writeByte(delimiter);
            }
            Object v = rows.get(i);
            if (v == null) {
                line.writeBytes(nullBytes, 0, nullBytes.length);
                continue;
            }
            value.reset();
            codecs[i].encodeText(v, value, context);
            if (spec.csv()) {
                csv(value.buffer(), value.size(), codecs.length == 1);
            } else {
                text(value.buffer(), value.size());
            }
        }
        line.writeByte('\n');
        out.copyData(line.buffer(), 0, line.size());
    }

    /** Backslash escapes: the control characters with names, the backslash and the delimiter. */
    private void text(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            byte c = b[i];
            if (c >= 0 && c < 0x20) {
                char named = switch (c) {
                    case '\b' -> 'b';
                    case '\f' -> 'f';
                    case '\n' -> 'n';
                    case '\r' -> 'r';
                    case '\t' -> 't';
                    case 0x0b -> 'v';
                    default -> 0;
                };
                if (named != 0) {
                    line.writeByte('\\');
                    line.writeByte(named);
                    continue;
                }
            }
            if (c == '\\' || c == delimiter) {
                line.writeByte('\\');
            }
            line.writeByte(c);
        }
    }

    /**
     * CSV: quoted when it holds the delimiter, a quote, CR or LF, when it reads like the NULL string, or when it is a
     * lone column's {@code \.}; quotes inside are doubled.
     */
    private void csv(byte[] b, int n, boolean singleColumn) {
        boolean quote = n == nullBytes.length && java.util.Arrays.equals(b, 0, n, nullBytes, 0, n);
        if (!quote && singleColumn && n == 2 && b[0] == '\\' && b[1] == '.') {
            quote = true;
        }
        for (int i = 0; i < n && !quote; i++) {
            byte c = b[i];
            quote = c == delimiter || c == '"' || c == '\n' || c == '\r';
        }
        if (!quote) {
            line.writeBytes(b, 0, n);
            return;
        }
        line.writeByte('"');
        for (int i = 0; i < n; i++) {
            if (b[i] == '"') {
                line.writeByte('"');
            }
            line.writeByte(b[i]);
        }
        line.writeByte('"');
    }
}
