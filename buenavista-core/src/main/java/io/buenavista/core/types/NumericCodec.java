package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code numeric}: {@code BigDecimal}, or a {@code Double} for NaN and ±Infinity. Binary is PostgreSQL's base-10000
 * form: ndigits, weight, sign, dscale (int16 each), then the digits.
 */
final class NumericCodec extends BaseCodec {
    private static final int POS = 0x0000;
    private static final int NEG = 0x4000;
    private static final int NAN = 0xC000;
    private static final int PINF = 0xD000;
    private static final int NINF = 0xF000;
    private static final int MAX_DSCALE = 0x3FFF;
    private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);
    private static final Pattern NUMBER = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    NumericCodec() {
        super(PgType.NUMERIC);
    }

    /** The value as a BigDecimal, or a Double when it is NaN or infinite. */
    private static Object normalize(Object value) {
        if (value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof BigInteger bi) {
            return new BigDecimal(bi);
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return d;
            }
            return new BigDecimal(FloatFormat.format(d, value instanceof Float, 1));
        }
        if (value instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        throw Wire.cannotEncode(value, "numeric");
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        Object v = normalize(value);
        if (v instanceof Double d) {
            out.writeUtf8(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
            return;
        }
        BigDecimal bd = (BigDecimal) v;
        if (bd.scale() < 0) {
            bd = bd.setScale(0); // PostgreSQL's display scale is never negative
        }
        out.writeUtf8(bd.toPlainString());
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        Object v = normalize(value);
        if (v instanceof Double d) {
            out.writeShort(0);
            out.writeShort(0);
            out.writeShort(Double.isNaN(d) ? NAN : d > 0 ? PINF : NINF);
            // PostgreSQL 15 sends 32 as the display scale of the infinities (bits of its packed header), 0 for NaN.
            out.writeShort(Double.isNaN(d) ? 0 : 32);
            return;
        }
        BigDecimal bd = (BigDecimal) v;
        int scale = bd.scale();
        int dscale = Math.max(0, scale);
        if (dscale > MAX_DSCALE) {
            throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
        }
        int sign = bd.signum() < 0 ? NEG : POS;
        if (bd.signum() == 0) {
            out.writeShort(0);
            out.writeShort(0);
            out.writeShort(POS);
            out.writeShort(dscale);
            return;
        }
        // Pad the scale to a multiple of 4 so that base-10000 digits align with the decimal point.
        int alignedScale = Math.floorDiv(scale + 3, 4) * 4;
        BigInteger unscaled = bd.unscaledValue().abs();
        int pad = alignedScale - scale;
        short[] groups; // least significant first
        int count = 0;
        if (unscaled.bitLength() < 50) {
            long u = unscaled.longValue();
            for (int i = 0; i < pad; i++) {
                u *= 10;
            }
            groups = new short[5];
            while (u != 0) {
                groups[count++] = (short) (u % 10_000);
                u /= 10_000;
            }
        } else {
            BigInteger u = pad == 0 ? unscaled : unscaled.multiply(BigInteger.TEN.pow(pad));
            groups = new short[u.bitLength() / 13 + 2];
            while (u.signum() != 0) {
                BigInteger[] qr = u.divideAndRemainder(TEN_THOUSAND);
                groups[count++] = qr[1].shortValue();
                u = qr[0];
            }
        }
        int low = 0;
        while (groups[low] == 0) {
            low++; // PostgreSQL strips trailing zero digits
        }
        int weight = count - 1 - alignedScale / 4;
        out.writeShort(count - low);
        out.writeShort(weight);
        out.writeShort(sign);
        out.writeShort(dscale);
        for (int i = count - 1; i >= low; i--) {
            out.writeShort(groups[i]);
        }
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        String s = Wire.trim(text);
        switch (s.toLowerCase(Locale.ROOT)) {
            case "nan" -> {
                return Double.NaN;
            }
            case "infinity", "+infinity", "inf", "+inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-infinity", "-inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
                if (!NUMBER.matcher(s).matches()) {
                    throw Wire.badText("numeric", text);
                }
                BigDecimal bd;
                try {
                    bd = new BigDecimal(s);
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
                }
                if (bd.scale() < 0) {
                    bd = bd.setScale(0);
                }
                if (bd.scale() > MAX_DSCALE) {
                    throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
                }
                return bd;
            }
        }
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        if (length < 8) {
            throw Wire.badBinary("numeric");
        }
        int ndigits = Wire.readShort(buf, offset) & 0xFFFF;
        int weight = Wire.readShort(buf, offset + 2);
        int sign = Wire.readShort(buf, offset + 4) & 0xFFFF;
        int dscale = Wire.readShort(buf, offset + 6) & 0xFFFF;
        if (length != 8 + 2 * ndigits) {
            throw Wire.badBinary("numeric");
        }
        switch (sign) {
            case NAN -> {
                return Double.NaN;
            }
            case PINF -> {
                return Double.POSITIVE_INFINITY;
            }
            case NINF -> {
                return Double.NEGATIVE_INFINITY;
            }
            case POS, NEG -> { }
            default -> throw Wire.badBinary("numeric", "invalid sign in external \"numeric\" value");
        }
        if (dscale > MAX_DSCALE) {
            throw Wire.badBinary("numeric", "invalid scale in external \"numeric\" value");
        }
        BigInteger unscaled;
        if (ndigits <= 4) {
            long u = 0;
            for (int i = 0; i < ndigits; i++) {
                u = u * 10_000 + digit(buf, offset + 8 + 2 * i);
            }
            unscaled = BigInteger.valueOf(u);
        } else {
            // Combine four base-10000 digits at a time to keep BigInteger work small.
            unscaled = BigInteger.ZERO;
            int i = 0;
            while (i < ndigits) {
                int take = Math.min(4, ndigits - i);
                long chunk = 0;
                long factor = 1;
                for (int k = 0; k < take; k++) {
                    chunk = chunk * 10_000 + digit(buf, offset + 8 + 2 * (i + k));
                    factor *= 10_000;
                }
                unscaled = unscaled.multiply(BigInteger.valueOf(factor)).add(BigInteger.valueOf(chunk));
                i += take;
            }
        }
        if (sign == NEG) {
            unscaled = unscaled.negate();
        }
        int scale = -4 * (weight - ndigits + 1);
        // Digits beyond the display scale are cut off, as numeric_recv does.
        return new BigDecimal(unscaled, scale).setScale(dscale, RoundingMode.DOWN);
    }

    private static int digit(byte[] buf, int at) {
        int d = Wire.readShort(buf, at);
        if (d < 0 || d >= 10_000) {
            throw Wire.badBinary("numeric", "invalid digit in external \"numeric\" value");
        }
        return d;
    }
}
