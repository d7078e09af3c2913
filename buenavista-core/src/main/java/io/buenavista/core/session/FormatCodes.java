package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.types.Codec;
import io.buenavista.core.types.CodecRegistry;

import java.util.Arrays;
import java.util.List;

/** The format codes (0 text, 1 binary) of parameters and result columns, and the codecs that write results. */
final class FormatCodes {
    private FormatCodes() {}

    /**
     * Bind's format codes, one per value: none means all text, one applies to all, else one each.
     *
     * @param what "parameter" or "result", for the error message
     */
    static short[] expand(short[] formats, int n, String what) {
        short[] expanded = new short[n];
        if (formats.length == 1) {
            Arrays.fill(expanded, formats[0]);
        } else if (formats.length == n) {
            System.arraycopy(formats, 0, expanded, 0, n);
        } else if (formats.length != 0) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "bind message has " + formats.length + " " + what
                    + " formats but " + n + " " + (what.equals("result") ? "columns" : "parameters"));
        }
        for (short f : expanded) {
            if (f != 0 && f != 1) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unsupported format code: " + f);
            }
        }
        return expanded;
    }

    /** Binary for every column: a {@code BINARY} cursor's rows. */
    static short[] allBinary(int n) {
        short[] formats = new short[n];
        Arrays.fill(formats, (short) 1);
        return formats;
    }

    /** The codecs of the columns; 42883 for a binary format a codec cannot write. */
    static Codec[] codecs(CodecRegistry registry, List<Column> columns, short[] formats) {
        Codec[] cs = new Codec[columns.size()];
        for (int i = 0; i < cs.length; i++) {
            cs[i] = registry.codec(columns.get(i).type());
            if (formats != null && formats[i] == 1 && !cs[i].hasBinary()) {
                throw new PgException(SqlState.UNDEFINED_FUNCTION,
                        "no binary output function available for type " + columns.get(i).type().name());
            }
        }
        return cs;
    }
}
