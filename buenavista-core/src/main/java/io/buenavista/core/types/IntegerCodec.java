package io.buenavista.core.types;

import io.buenavista.api.PgType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/** {@code int2}, {@code int4}, {@code int8} and {@code oid} (unsigned 32 bits, decoded as {@code Long}). */
final class IntegerCodec extends BaseCodec {
    private final String sqlName;
    private final int size;
    private final long min;
    private final long max;
    private final boolean unsigned;

    private IntegerCodec(PgType type, String sqlName, int size, long min, long max, boolean unsigned) {
        super(type);
        this.sqlName = sqlName;
        this.size = size;
        this.min = min;
        this.max = max;
        this.unsigned = unsigned;
    }

    static IntegerCodec int2() {
        return new IntegerCodec(PgType.INT2, "smallint", 2, Short.MIN_VALUE, Short.MAX_VALUE, false);
    }

    static IntegerCodec int4() {
        return new IntegerCodec(PgType.INT4, "integer", 4, Integer.MIN_VALUE, Integer.MAX_VALUE, false);
    }

    static IntegerCodec int8() {
        return new IntegerCodec(PgType.INT8, "bigint", 8, Long.MIN_VALUE, Long.MAX_VALUE, false);
    }

    static IntegerCodec oid() {
        return new IntegerCodec(PgType.OID, "oid", 4, 0, 0xFFFFFFFFL, true);
    }

    /** The value as a long in this type's range (for oid: 0 to 2^32-1; negative ints wrap as in PostgreSQL). */
    private long toLong(Object value) {
        long v;
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            v = ((Number) value).longValue();
        } else if (value instanceof BigInteger bi) {
            if (bi.bitLength() > 63) {
                throw Wire.outOfRange(sqlName, bi.toString());
            }
            v = bi.longValue();
        } else if (value instanceof BigDecimal bd) {
            BigInteger bi = bd.setScale(0, RoundingMode.HALF_UP).toBigInteger();
            if (bi.bitLength() > 63) {
                throw Wire.outOfRange(sqlName, bd.toPlainString());
            }
            v = bi.longValue();
        } else if (value instanceof Double || value instanceof Float) {
            double d = Math.rint(((Number) value).doubleValue());
            if (!(d >= -0x1p63 && d < 0x1p63)) {
                throw Wire.outOfRange(sqlName, value.toString());
            }
            v = (long) d;
        } else if (value instanceof Number n) {
            v = n.longValue();
        } else {
            throw Wire.cannotEncode(value, sqlName);
        }
        if (unsigned && v < 0 && v >= Integer.MIN_VALUE) {
            v &= 0xFFFFFFFFL;
        }
        if (v < min || v > max) {
            throw Wire.outOfRange(sqlName, Long.toString(v));
        }
        return v;
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        Wire.writeDecimal(out, toLong(value));
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        long v = toLong(value);
        switch (size) {
            case 2 -> out.writeShort((int) v);
            case 4 -> out.writeInt((int) v);
            default -> out.writeLong(v);
        }
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        // PostgreSQL 15 accepts optional whitespace, an optional sign and decimal digits only.
        int n = text.length();
        int i = 0;
        while (i < n && Wire.isSpace(text.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        int digitsStart = i;
        long acc = 0; // accumulated negatively so that Long.MIN_VALUE fits
        boolean overflow = false;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            int d = text.charAt(i) - '0';
            if (acc < (Long.MIN_VALUE + d) / 10) {
                overflow = true;
            } else {
                acc = acc * 10 - d;
            }
            i++;
        }
        if (i == digitsStart) {
            throw Wire.badText(sqlName, text);
        }
        while (i < n && Wire.isSpace(text.charAt(i))) {
            i++;
        }
        if (i != n) {
            throw Wire.badText(sqlName, text);
        }
        if (!negative && acc == Long.MIN_VALUE) {
            overflow = true;
        }
        long v = negative ? acc : -acc;
        long lo = unsigned ? Integer.MIN_VALUE : min;
        if (overflow || v < lo || v > max) {
            throw Wire.outOfRange(sqlName, text);
        }
        return switch (size) {
            case 2 -> (short) v;
            case 4 -> unsigned ? (Object) (v & 0xFFFFFFFFL) : (Object) (int) v;
            default -> v;
        };
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        Wire.checkLength(length, size, sqlName);
        return switch (size) {
            case 2 -> Wire.readShort(buf, offset);
            case 4 -> unsigned ? (Object) (Wire.readInt(buf, offset) & 0xFFFFFFFFL) : (Object) Wire.readInt(buf, offset);
            default -> Wire.readLong(buf, offset);
        };
    }
}
