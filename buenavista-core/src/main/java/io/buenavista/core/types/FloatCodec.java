package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;

/** {@code float4} ({@code Float}) and {@code float8} ({@code Double}). */
final class FloatCodec extends BaseCodec {
    /** What C's strtod accepts in PostgreSQL's float input, minus hexadecimal floats. */
    private static final Pattern NUMBER = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    private final boolean isFloat4;
    private final String sqlName;

    private FloatCodec(PgType type, boolean isFloat4, String sqlName) {
        super(type);
        this.isFloat4 = isFloat4;
        this.sqlName = sqlName;
    }

    static FloatCodec float4() {
        return new FloatCodec(PgType.FLOAT4, true, "real");
    }

    static FloatCodec float8() {
        return new FloatCodec(PgType.FLOAT8, false, "double precision");
    }

    private double toDouble(Object value) {
        if (value instanceof Float f) {
            return f;
        }
        if (value instanceof Number n) {
            double d = n.doubleValue();
            if (isFloat4 && Float.isInfinite((float) d) && !Double.isInfinite(d)) {
                throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
            }
            return isFloat4 ? (float) d : d;
        }
        throw Wire.cannotEncode(value, sqlName);
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        out.writeUtf8(FloatFormat.format(toDouble(value), isFloat4, ctx.extraFloatDigits()));
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        double d = toDouble(value);
        if (isFloat4) {
            out.writeInt(Float.floatToIntBits((float) d));
        } else {
            out.writeLong(Double.doubleToLongBits(d));
        }
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        String s = Wire.trim(text);
        double d;
        switch (s.toLowerCase(Locale.ROOT)) {
            case "nan", "+nan", "-nan" -> d = Double.NaN;
            case "infinity", "+infinity", "inf", "+inf" -> d = Double.POSITIVE_INFINITY;
            case "-infinity", "-inf" -> d = Double.NEGATIVE_INFINITY;
            default -> {
                if (!NUMBER.matcher(s).matches()) {
                    throw Wire.badText(sqlName, text);
                }
                boolean zero;
                try {
                    zero = new BigDecimal(s).signum() == 0;
                } catch (NumberFormatException e) {
                    throw outOfRange(text); // an exponent beyond what BigDecimal (and any double) holds
                }
                if (isFloat4) {
                    float f = Float.parseFloat(s);
                    if (Float.isInfinite(f) || (f == 0 && !zero)) {
                        throw outOfRange(text);
                    }
                    return f;
                }
                d = Double.parseDouble(s);
                if (Double.isInfinite(d) || (d == 0 && !zero)) {
                    throw outOfRange(text);
                }
            }
        }
        return isFloat4 ? (Object) (float) d : (Object) d;
    }

    private PgException outOfRange(String text) {
        return new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE,
                "\"" + text + "\" is out of range for type " + sqlName);
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        if (isFloat4) {
            Wire.checkLength(length, 4, sqlName);
            return Float.intBitsToFloat(Wire.readInt(buf, offset));
        }
        Wire.checkLength(length, 8, sqlName);
        return Double.longBitsToDouble(Wire.readLong(buf, offset));
    }
}
