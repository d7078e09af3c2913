package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** {@code bytea} ({@code byte[]}): text out in hex ({@code \x0aff}); text in hex or the legacy escape format. */
final class ByteaCodec extends BaseCodec {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    ByteaCodec() {
        super(PgType.BYTEA);
    }

    private static byte[] toBytes(Object value) {
        if (value instanceof byte[] b) {
            return b;
        }
        if (value instanceof ByteBuffer bb) {
            ByteBuffer d = bb.duplicate();
            byte[] b = new byte[d.remaining()];
            d.get(b);
            return b;
        }
        throw Wire.cannotEncode(value, "bytea");
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        byte[] b = toBytes(value);
        byte[] hex = new byte[2 + 2 * b.length];
        hex[0] = '\\';
        hex[1] = 'x';
        for (int i = 0; i < b.length; i++) {
            hex[2 + 2 * i] = HEX[(b[i] >> 4) & 0xF];
            hex[3 + 2 * i] = HEX[b[i] & 0xF];
        }
        out.writeBytes(hex);
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        out.writeBytes(toBytes(value));
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        if (text.length() >= 2 && text.charAt(0) == '\\' && text.charAt(1) == 'x') {
            return decodeHex(text);
        }
        return decodeEscape(text);
    }

    private static byte[] decodeHex(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() / 2);
        int n = text.length();
        int i = 2;
        while (i < n) {
            char c = text.charAt(i);
            if (Wire.isSpace(c)) {
                i++; // PostgreSQL allows whitespace between digit pairs
                continue;
            }
            int hi = hexValue(c);
            if (hi < 0) {
                throw badHexDigit(c);
            }
            if (i + 1 >= n) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                        "invalid hexadecimal data: odd number of digits");
            }
            int lo = hexValue(text.charAt(i + 1));
            if (lo < 0) {
                throw badHexDigit(text.charAt(i + 1));
            }
            out.write((hi << 4) | lo);
            i += 2;
        }
        return out.toByteArray();
    }

    private static PgException badHexDigit(char c) {
        return new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"" + c + "\"");
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** The escape format: {@code \\} is a backslash, {@code \ooo} an octal byte, anything else its UTF-8 bytes. */
    private static byte[] decodeEscape(String text) {
        byte[] in = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        int n = in.length;
        int i = 0;
        while (i < n) {
            if (in[i] != '\\') {
                out.write(in[i++]);
            } else if (i + 1 < n && in[i + 1] == '\\') {
                out.write('\\');
                i += 2;
            } else if (i + 3 < n && isOctal(in[i + 1], '3') && isOctal(in[i + 2], '7') && isOctal(in[i + 3], '7')) {
                out.write(((in[i + 1] - '0') << 6) | ((in[i + 2] - '0') << 3) | (in[i + 3] - '0'));
                i += 4;
            } else {
                throw Wire.badText("bytea", text);
            }
        }
        return out.toByteArray();
    }

    private static boolean isOctal(byte b, char max) {
        return b >= '0' && b <= max;
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        byte[] b = new byte[length];
        System.arraycopy(buf, offset, b, 0, length);
        return b;
    }
}
