package io.buenavista.core.types;

import io.buenavista.api.PgType;

import java.util.UUID;

/** {@code uuid} ({@code UUID}): text lowercase with hyphens, binary 16 bytes. */
final class UuidCodec extends BaseCodec {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    UuidCodec() {
        super(PgType.UUID);
    }

    private static UUID toUuid(Object value) {
        if (value instanceof UUID u) {
            return u;
        }
        throw Wire.cannotEncode(value, "uuid");
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        UUID u = toUuid(value);
        byte[] b = new byte[36];
        writeHex(b, 0, u.getMostSignificantBits() >>> 32, 8);
        b[8] = '-';
        writeHex(b, 9, u.getMostSignificantBits() >>> 16, 4);
        b[13] = '-';
        writeHex(b, 14, u.getMostSignificantBits(), 4);
        b[18] = '-';
        writeHex(b, 19, u.getLeastSignificantBits() >>> 48, 4);
        b[23] = '-';
        writeHex(b, 24, u.getLeastSignificantBits(), 12);
        out.writeBytes(b);
    }

    private static void writeHex(byte[] b, int at, long bits, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            b[at + i] = HEX[(int) (bits & 0xF)];
            bits >>>= 4;
        }
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        UUID u = toUuid(value);
        out.writeLong(u.getMostSignificantBits());
        out.writeLong(u.getLeastSignificantBits());
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        // As uuid_in: optional braces, 32 hex digits, a hyphen allowed after any group of four.
        int n = text.length();
        int i = 0;
        boolean braces = n > 0 && text.charAt(0) == '{';
        if (braces) {
            i++;
        }
        long hi = 0;
        long lo = 0;
        int count = 0;
        while (count < 32) {
            if (i >= n) {
                throw Wire.badText("uuid", text);
            }
            int d = Character.digit(text.charAt(i), 16);
            if (d < 0 || text.charAt(i) > 'f') {
                throw Wire.badText("uuid", text);
            }
            if (count < 16) {
                hi = (hi << 4) | d;
            } else {
                lo = (lo << 4) | d;
            }
            count++;
            i++;
            if (count % 4 == 0 && count < 32 && i < n && text.charAt(i) == '-') {
                i++;
            }
        }
        if (braces) {
            if (i >= n || text.charAt(i) != '}') {
                throw Wire.badText("uuid", text);
            }
            i++;
        }
        if (i != n) {
            throw Wire.badText("uuid", text);
        }
        return new UUID(hi, lo);
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        Wire.checkLength(length, 16, "uuid");
        return new UUID(Wire.readLong(buf, offset), Wire.readLong(buf, offset + 8));
    }
}
