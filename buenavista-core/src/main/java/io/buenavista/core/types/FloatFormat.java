package io.buenavista.core.types;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * PostgreSQL's text output of {@code float4}/{@code float8}: with {@code extra_float_digits > 0} the shortest decimal
 * that reads back to the same value (PostgreSQL 12+, Ryu), otherwise C's {@code %.Ng} with N = 15 (or 6) plus
 * {@code extra_float_digits}. Java's own {@code Double.toString} is neither (and is not always shortest before JDK 19).
 */
final class FloatFormat {
    private FloatFormat() {}

    static String format(double d, boolean isFloat4, int extraFloatDigits) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (extraFloatDigits > 0) {
            return shortest(d, isFloat4);
        }
        int precision = Math.max(1, (isFloat4 ? 6 : 15) + extraFloatDigits);
        return printfG(d, precision);
    }

    /** Shortest round-trip digits, laid out as PostgreSQL's Ryu port does. */
    private static String shortest(double d, boolean isFloat4) {
        boolean negative = d < 0 || (d == 0 && 1 / d < 0);
        if (d == 0) {
            return negative ? "-0" : "0";
        }
        double abs = Math.abs(d);
        String digits;
        int exp; // decimal exponent of the first digit
        if (abs < (isFloat4 ? 0x1p24 : 0x1p53) && abs == Math.rint(abs)) {
            // An integer this small is its own shortest form: no shorter decimal lies within half an ulp (<= 0.5).
            String s = Long.toString((long) abs);
            exp = s.length() - 1;
            int end = s.length();
            while (end > 1 && s.charAt(end - 1) == '0') {
                end--;
            }
            digits = s.substring(0, end);
        } else {
            BigDecimal exact = new BigDecimal(abs);
            BigDecimal best = shortestDecimal(exact, abs, isFloat4);
            BigDecimal stripped = best.stripTrailingZeros();
            digits = stripped.unscaledValue().toString();
            exp = digits.length() - 1 - stripped.scale();
        }
        return layout(negative, digits, exp, isFloat4 ? 6 : 15);
    }

    /**
     * The decimals strictly between the midpoints to the neighbouring values read back as the value. Ryu, as
     * PostgreSQL uses it, does not take a decimal lying exactly on a midpoint even where round-half-even reading
     * would, so neither do we.
     */
    private record Interval(BigDecimal low, BigDecimal high) {
        boolean contains(BigDecimal c) {
            return c.compareTo(low) > 0 && c.compareTo(high) < 0;
        }
    }

    private static Interval interval(BigDecimal exact, double abs, boolean isFloat4) {
        double below = isFloat4 ? Math.nextDown((float) abs) : Math.nextDown(abs);
        double above = isFloat4 ? Math.nextUp((float) abs) : Math.nextUp(abs);
        BigDecimal two = BigDecimal.valueOf(2);
        BigDecimal low = exact.add(new BigDecimal(below)).divide(two);
        // Above the largest finite value the neighbour is infinity; the next power of two stands in for it.
        BigDecimal high = Double.isInfinite(above) || (isFloat4 && Float.isInfinite((float) above))
                ? exact.add(exact.subtract(low))
                : exact.add(new BigDecimal(above)).divide(two);
        return new Interval(low, high);
    }

    private static BigDecimal shortestDecimal(BigDecimal exact, double abs, boolean isFloat4) {
        Interval interval = interval(exact, abs, isFloat4);
        // Rounding to the nearest p digits lands in the interval for all p from some minimum on; binary-search it.
        int lo = 1;
        int hi = 17;
        BigDecimal found = exact.round(new MathContext(17, RoundingMode.HALF_EVEN));
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            BigDecimal c = exact.round(new MathContext(mid, RoundingMode.HALF_EVEN));
            if (interval.contains(c)) {
                hi = mid;
                found = c;
            } else {
                lo = mid + 1;
            }
        }
        if (lo > 1) {
            // At a power of two the interval is lopsided: a one-digit-shorter decimal on the wider side may lie in
            // it although the nearest one does not.
            BigDecimal up = exact.round(new MathContext(lo - 1, RoundingMode.CEILING));
            if (interval.contains(up)) {
                return up;
            }
            BigDecimal down = exact.round(new MathContext(lo - 1, RoundingMode.FLOOR));
            if (interval.contains(down)) {
                return down;
            }
        }
        return found;
    }

    /** Fixed notation when {@code -4 <= exp < fixedLimit}, else {@code d.ddde+XX}, like PostgreSQL's Ryu output. */
    private static String layout(boolean negative, String digits, int exp, int fixedLimit) {
        StringBuilder sb = new StringBuilder(24);
        if (negative) {
            sb.append('-');
        }
        int n = digits.length();
        if (exp >= -4 && exp < fixedLimit) {
            if (exp < 0) {
                sb.append("0.");
                for (int i = -1; i > exp; i--) {
                    sb.append('0');
                }
                sb.append(digits);
            } else if (n <= exp + 1) {
                sb.append(digits);
                for (int i = n; i <= exp; i++) {
                    sb.append('0');
                }
            } else {
                sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, n);
            }
        } else {
            sb.append(digits.charAt(0));
            if (n > 1) {
                sb.append('.').append(digits, 1, n);
            }
            appendExponent(sb, exp);
        }
        return sb.toString();
    }

    private static void appendExponent(StringBuilder sb, int exp) {
        sb.append('e').append(exp < 0 ? '-' : '+');
        int a = Math.abs(exp);
        if (a < 10) {
            sb.append('0');
        }
        sb.append(a);
    }

    /** C's {@code printf("%.{precision}g", d)} for a finite d. */
    private static String printfG(double d, int precision) {
        boolean negative = d < 0 || (d == 0 && 1 / d < 0);
        if (d == 0) {
            return negative ? "-0" : "0";
        }
        BigDecimal rounded = new BigDecimal(Math.abs(d)).round(new MathContext(precision, RoundingMode.HALF_EVEN));
        BigDecimal stripped = rounded.stripTrailingZeros();
        String digits = stripped.unscaledValue().toString();
        int exp = digits.length() - 1 - stripped.scale();
        // %g uses fixed notation when -4 <= X < P, then drops trailing zeros; that is the same layout.
        return layout(negative, digits, exp, precision);
    }
}
