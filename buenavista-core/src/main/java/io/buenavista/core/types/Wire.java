package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

/** Shared helpers of the codecs: big-endian reads, decimal digits, and PostgreSQL's error messages. */
final class Wire {
    private Wire() {}

    private static final long[] POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L,
            100_000_000L, 1_000_000_000L, 10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L,
            10_000_000_000_000L, 100_000_000_000_000L, 1_000_000_000_000_000L, 10_000_000_000_000_000L,
            100_000_000_000_000_000L, 1_000_000_000_000_000_000L};

    static short readShort(byte[] b, int off) {
        return (short) (((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF));
    }

    static int readInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    static long readLong(byte[] b, int off) {
        return ((long) readInt(b, off) << 32) | (readInt(b, off + 4) & 0xFFFFFFFFL);
    }

    /** Writes the decimal digits of {@code v} without building a String. */
    static void writeDecimal(ByteSink out, long v) {
        if (v < 0) {
            out.writeByte('-');
            if (v == Long.MIN_VALUE) {
                // -(MIN_VALUE) overflows; its digits are those of MAX_VALUE + 1.
                writeDecimal(out, -(v / 10));
                out.writeByte('8');
                return;
            }
            v = -v;
        }
        int digits = 1;
        while (digits < 19 && v >= POW10[digits]) {
            digits++;
        }
        for (int d = digits - 1; d >= 0; d--) {
            long p = POW10[d];
            int digit = (int) (v / p);
            out.writeByte('0' + digit);
            v -= digit * p;
        }
    }

    /** Writes {@code v} with at least {@code width} digits, zero-padded; {@code v} is not negative. */
    static void writePadded(ByteSink out, long v, int width) {
        int digits = 1;
        while (digits < 19 && v >= POW10[digits]) {
            digits++;
        }
        for (int i = digits; i < width; i++) {
            out.writeByte('0');
        }
        writeDecimal(out, v);
    }

    static void checkLength(int length, int expected, String typeName) {
        if (length != expected) {
            throw badBinary(typeName);
        }
    }

    static PgException badBinary(String typeName) {
        return new PgException(SqlState.INVALID_BINARY_REPRESENTATION,
                "incorrect binary data format for type " + typeName);
    }

    static PgException badBinary(String typeName, String message) {
        return new PgException(SqlState.INVALID_BINARY_REPRESENTATION, message)
                .withDetail("in a value of type " + typeName);
    }

    /** PostgreSQL's {@code invalid input syntax for type X: "text"} (22P02). */
    static PgException badText(String sqlTypeName, String text) {
        return new PgException(SqlState.INVALID_TEXT_REPRESENTATION,
                "invalid input syntax for type " + sqlTypeName + ": \"" + text + "\"");
    }

    /** PostgreSQL's {@code value "text" is out of range for type X} (22003). */
    static PgException outOfRange(String sqlTypeName, String text) {
        return new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE,
                "value \"" + text + "\" is out of range for type " + sqlTypeName);
    }

    static PgException cannotEncode(Object value, String typeName) {
        return new PgException(SqlState.DATA_EXCEPTION,
                "cannot convert a value of Java type " + value.getClass().getName() + " to " + typeName);
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\u000B' || c == '\f';
    }

    /** {@code s} without PostgreSQL's leading and trailing whitespace. */
    static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return start == 0 && end == s.length() ? s : s.substring(start, end);
    }
}
