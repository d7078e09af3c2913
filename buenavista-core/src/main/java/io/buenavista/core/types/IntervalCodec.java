package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgInterval;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.time.Duration;
import java.time.Period;
import java.util.Locale;

/**
 * {@code interval} ({@link PgInterval}): text in IntervalStyle {@code postgres}; binary is microseconds (int64),
 * days (int32), months (int32).
 */
final class IntervalCodec extends BaseCodec {
    private static final long MICROS_PER_HOUR = 3_600_000_000L;

    IntervalCodec() {
        super(PgType.INTERVAL);
    }

    private static PgInterval toInterval(Object value) {
        if (value instanceof PgInterval i) {
            return i;
        }
        if (value instanceof Duration d) {
            return new PgInterval(0, 0, Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1000));
        }
        if (value instanceof Period p) {
            return new PgInterval(Math.toIntExact(p.toTotalMonths()), p.getDays(), 0);
        }
        throw Wire.cannotEncode(value, "interval");
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        PgInterval iv = toInterval(value);
        // As EncodeInterval with INTSTYLE_POSTGRES: a sign is shown where it differs from the previous field's.
        boolean[] state = {true, false}; // {isZero, isBefore}
        StringBuilder sb = new StringBuilder(32);
        addPart(sb, iv.months() / 12, "year", state);
        addPart(sb, iv.months() % 12, "mon", state);
        addPart(sb, iv.days(), "day", state);
        long time = iv.microseconds();
        if (state[0] || time != 0) {
            long hour = time / MICROS_PER_HOUR;
            time -= hour * MICROS_PER_HOUR;
            long minute = time / 60_000_000L;
            time -= minute * 60_000_000L;
            long second = time / 1_000_000L;
            long fsec = time - second * 1_000_000L;
            boolean minus = hour < 0 || minute < 0 || second < 0 || fsec < 0;
            if (!state[0]) {
                sb.append(' ');
            }
            sb.append(minus ? "-" : state[1] ? "+" : "");
            out.writeUtf8(sb);
            Wire.writePadded(out, Math.abs(hour), 2);
            out.writeByte(':');
            Wire.writePadded(out, Math.abs(minute), 2);
            out.writeByte(':');
            Wire.writePadded(out, Math.abs(second), 2);
            PgTime.writeFraction(out, (int) Math.abs(fsec));
        } else {
            out.writeUtf8(sb);
        }
    }

    private static void addPart(StringBuilder sb, int value, String unit, boolean[] state) {
        if (value == 0) {
            return;
        }
        if (!state[0]) {
            sb.append(' ');
        }
        if (state[1] && value > 0) {
            sb.append('+');
        }
        sb.append(value).append(' ').append(unit);
        if (value != 1) {
            sb.append('s');
        }
        state[1] = value < 0;
        state[0] = false;
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        PgInterval iv = toInterval(value);
        out.writeLong(iv.microseconds());
        out.writeInt(iv.days());
        out.writeInt(iv.months());
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        return new IntervalParser(text).parse();
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        Wire.checkLength(length, 16, "interval");
        return new PgInterval(Wire.readInt(buf, offset + 12), Wire.readInt(buf, offset + 8), Wire.readLong(buf, offset));
    }

    /**
     * Reads PostgreSQL's interval input in the postgres style ({@code 1 year 2 mons -3 days 04:05:06.7}, {@code @},
     * {@code ago}, unit abbreviations, fractional units) and ISO 8601 ({@code P1Y2M3DT4H5M6S}).
     */
    private static final class IntervalParser {
        private final String text;
        private int pos;
        private double months;
        private double days;
        private double micros;

        IntervalParser(String text) {
            this.text = text;
        }

        PgInterval parse() {
            String s = Wire.trim(text);
            if (s.isEmpty()) {
                throw syntax();
            }
            if (s.charAt(0) == 'P' || s.charAt(0) == 'p') {
                return iso(s.toUpperCase(Locale.ROOT));
            }
            String[] words = s.toLowerCase(Locale.ROOT).split("[ \t\n\r\f\u000B]+");
            boolean ago = false;
            int i = 0;
            if (words[0].equals("@")) {
                i++;
            } else if (words[0].startsWith("@")) {
                words[0] = words[0].substring(1);
            }
            for (; i < words.length; i++) {
                String w = words[i];
                if (w.equals("ago") && i == words.length - 1) {
                    ago = true;
                } else if (w.indexOf(':') >= 0) {
                    timeField(w);
                } else {
                    // A number, then a unit either attached ("3d") or as the next word; a lone number is seconds.
                    int split = 0;
                    while (split < w.length() && "+-.0123456789".indexOf(w.charAt(split)) >= 0) {
                        split++;
                    }
                    if (split == 0) {
                        throw syntax();
                    }
                    double v = number(w.substring(0, split));
                    String unit = w.substring(split);
                    if (unit.isEmpty() && i + 1 < words.length && Character.isLetter(words[i + 1].charAt(0))
                            && !(words[i + 1].equals("ago") && i + 1 == words.length - 1)) {
                        unit = words[++i];
                    }
                    addUnit(v, unit);
                }
            }
            PgInterval result = build();
            return ago ? new PgInterval(-result.months(), -result.days(), -result.microseconds()) : result;
        }

        private PgInterval iso(String s) {
            boolean inTime = false;
            int i = 1;
            if (i >= s.length()) {
                throw syntax();
            }
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == 'T') {
                    inTime = true;
                    i++;
                    continue;
                }
                int start = i;
                while (i < s.length() && "+-.0123456789".indexOf(s.charAt(i)) >= 0) {
                    i++;
                }
                if (i == start || i >= s.length()) {
                    throw syntax();
                }
                double v = number(s.substring(start, i));
                char unit = s.charAt(i++);
                switch (unit) {
                    case 'Y' -> addUnit(v, "year");
                    case 'M' -> addUnit(v, inTime ? "minute" : "month");
                    case 'W' -> addUnit(v, "week");
                    case 'D' -> addUnit(v, "day");
                    case 'H' -> addUnit(v, "hour");
                    case 'S' -> addUnit(v, "second");
                    default -> throw syntax();
                }
            }
            return build();
        }

        private void timeField(String w) {
            boolean negative = w.startsWith("-");
            String body = negative || w.startsWith("+") ? w.substring(1) : w;
            String[] parts = body.split(":", -1);
            if (parts.length < 2 || parts.length > 3) {
                throw syntax();
            }
            for (String p : parts) {
                if (p.isEmpty() || !p.matches("[0-9]+(\\.[0-9]*)?")) {
                    throw syntax();
                }
            }
            double total = Long.parseLong(parts[0]) * (double) MICROS_PER_HOUR + number(parts[1]) * 60_000_000.0;
            if (parts.length == 3) {
                total += number(parts[2]) * 1_000_000.0;
            }
            micros += negative ? -total : total;
        }

        private double number(String s) {
            if (!s.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)")) {
                throw syntax();
            }
            return Double.parseDouble(s);
        }

        private void addUnit(double v, String unit) {
            switch (unit) {
                case "microsecond", "microseconds", "us", "usec", "usecs", "useconds" -> micros += v;
                case "millisecond", "milliseconds", "ms", "msec", "msecs", "mseconds" -> micros += v * 1000;
                case "", "second", "seconds", "s", "sec", "secs" -> micros += v * 1_000_000;
                case "minute", "minutes", "m", "min", "mins" -> micros += v * 60_000_000;
                case "hour", "hours", "h", "hr", "hrs" -> micros += v * MICROS_PER_HOUR;
                case "day", "days", "d" -> fractionalDays(v);
                case "week", "weeks", "w" -> fractionalDays(v * 7);
                case "month", "months", "mon", "mons" -> fractionalMonths(v);
                case "year", "years", "y", "yr", "yrs" -> fractionalMonths(Math.round(v * 12 * 1e6) / 1e6);
                case "decade", "decades", "dec", "decs" -> fractionalMonths(v * 120);
                case "century", "centuries", "c", "cent" -> fractionalMonths(v * 1200);
                case "millennium", "millennia", "mil", "mils", "millenniums" -> fractionalMonths(v * 12000);
                default -> throw syntax();
            }
        }

        /** Whole days count as days, the fraction as 24-hour days of microseconds, as PostgreSQL does. */
        private void fractionalDays(double v) {
            double whole = v < 0 ? Math.ceil(v) : Math.floor(v);
            days += whole;
            micros += (v - whole) * PgTime.MICROS_PER_DAY;
        }

        /** Whole months count as months, the fraction as 30-day months. */
        private void fractionalMonths(double v) {
            double whole = v < 0 ? Math.ceil(v) : Math.floor(v);
            months += whole;
            fractionalDays((v - whole) * 30);
        }

        private PgInterval build() {
            double roundedMicros = Math.rint(micros);
            if (Math.abs(months) > Integer.MAX_VALUE || Math.abs(days) > Integer.MAX_VALUE
                    || Math.abs(roundedMicros) >= 0x1p63) {
                throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "interval out of range");
            }
            return new PgInterval((int) months, (int) days, (long) roundedMicros);
        }

        private PgException syntax() {
            return new PgException(SqlState.INVALID_DATETIME_FORMAT,
                    "invalid input syntax for type interval: \"" + text + "\"");
        }
    }
}
