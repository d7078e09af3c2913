package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * Reads the ISO forms of PostgreSQL date/time input: {@code [YYYY-MM-DD][( |T)HH:MM[:SS[.f]]][zone][ BC|AD]}, the
 * zone being {@code Z}, {@code ±HH[:MM[:SS]]}, {@code ±HHMM} or a zone name, plus {@code infinity},
 * {@code -infinity} and {@code epoch}. PostgreSQL's other styles (e.g. {@code Jan 8 1999}) are not read.
 */
final class DateTimeParser {
    enum Special { NONE, INFINITY, NEG_INFINITY, EPOCH }

    /**
     * What the text held.
     *
     * @param date       the date, BC already applied, or null
     * @param timeMicros microseconds of the day, or -1 if no time was given
     * @param zone       the offset or zone given, or null
     */
    record Parsed(Special special, LocalDate date, long timeMicros, ZoneId zone) {}

    private final String text;
    private final String sqlType;
    private int pos;

    private DateTimeParser(String text, String sqlType) {
        this.text = text;
        this.sqlType = sqlType;
    }

    /** Parses {@code text} for the SQL type named {@code sqlType} (used in error messages). */
    static Parsed parse(String text, String sqlType) {
        return new DateTimeParser(text, sqlType).parse();
    }

    private PgException syntax() {
        return new PgException(SqlState.INVALID_DATETIME_FORMAT,
                "invalid input syntax for type " + sqlType + ": \"" + text + "\"");
    }

    private PgException fieldRange() {
        return new PgException(SqlState.DATETIME_FIELD_OVERFLOW,
                "date/time field value out of range: \"" + text + "\"");
    }

    private Parsed parse() {
        String trimmed = Wire.trim(text).toLowerCase(Locale.ROOT);
        switch (trimmed) {
            case "infinity", "+infinity" -> {
                return new Parsed(Special.INFINITY, null, -1, null);
            }
            case "-infinity" -> {
                return new Parsed(Special.NEG_INFINITY, null, -1, null);
            }
            case "epoch" -> {
                return new Parsed(Special.EPOCH, LocalDate.of(1970, 1, 1), 0, ZoneOffset.UTC);
            }
            default -> { }
        }
        skipSpaces();
        int yearStart = pos;
        long first = digits(9);
        if (first < 0) {
            throw syntax();
        }
        int year = -1;
        int month = 0;
        int day = 0;
        long timeMicros = -1;
        if (peek() == '-') {
            if (pos - yearStart < 1) {
                throw syntax();
            }
            year = (int) first;
            pos++;
            long m = digits(2);
            if (m < 0 || peek() != '-') {
                throw syntax();
            }
            pos++;
            long d = digits(2);
            if (d < 0) {
                throw syntax();
            }
            month = (int) m;
            day = (int) d;
            if (peek() == 't' || peek() == 'T') {
                pos++;
                if (!Character.isDigit(peek())) {
                    throw syntax();
                }
                timeMicros = time(digits(2));
            } else {
                int save = pos;
                skipSpaces();
                if (pos > save && Character.isDigit(peek())) {
                    timeMicros = time(digits(2));
                } else {
                    pos = save;
                }
            }
        } else if (peek() == ':') {
            pos = yearStart;
            timeMicros = time(digits(2));
        } else {
            throw syntax();
        }
        skipSpaces();
        ZoneId zone = null;
        boolean bc = false;
        if (pos < text.length()) {
            zone = zone();
            skipSpaces();
            if (pos < text.length()) {
                String era = text.substring(pos).trim().toLowerCase(Locale.ROOT);
                if (era.equals("bc")) {
                    bc = true;
                } else if (!era.equals("ad")) {
                    throw syntax();
                }
                pos = text.length();
            }
        }
        LocalDate date = null;
        if (year >= 0) {
            if (year == 0 || month < 1 || month > 12 || day < 1) {
                throw fieldRange();
            }
            int isoYear = bc ? 1 - year : year;
            try {
                date = LocalDate.of(isoYear, month, day);
            } catch (DateTimeException e) {
                throw fieldRange();
            }
        } else if (bc) {
            throw syntax();
        }
        return new Parsed(Special.NONE, date, timeMicros, zone);
    }

    /** The time after its first field (the hour, already read); returns microseconds of the day. */
    private long time(long hour) {
        if (hour < 0 || peek() != ':') {
            throw syntax();
        }
        pos++;
        long minute = digits(2);
        if (minute < 0) {
            throw syntax();
        }
        long second = 0;
        long micros = 0;
        if (peek() == ':') {
            pos++;
            second = digits(2);
            if (second < 0) {
                throw syntax();
            }
            if (peek() == '.') {
                pos++;
                int start = pos;
                while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                    pos++;
                }
                // Rounded as PostgreSQL does it: rint() of the fraction read as a double, times a million.
                micros = (long) Math.rint(Double.parseDouble("0." + text.substring(start, pos)) * 1_000_000);
            }
        }
        if (minute > 59 || second > 60 || hour > 24) {
            throw fieldRange();
        }
        long total = ((hour * 60 + minute) * 60 + second) * 1_000_000L + micros;
        if (total > PgTime.MICROS_PER_DAY) {
            throw fieldRange();
        }
        return total;
    }

    private ZoneId zone() {
        char c = peek();
        if (c == '+' || c == '-') {
            int sign = c == '-' ? -1 : 1;
            pos++;
            int start = pos;
            long v = digits(6);
            int len = pos - start;
            if (v < 0) {
                throw syntax();
            }
            long h;
            long m = 0;
            long s = 0;
            if (len <= 2) {
                h = v;
                if (peek() == ':') {
                    pos++;
                    m = digits(2);
                    if (m < 0) {
                        throw syntax();
                    }
                    if (peek() == ':') {
                        pos++;
                        s = digits(2);
                        if (s < 0) {
                            throw syntax();
                        }
                    }
                }
            } else if (len == 4) {
                h = v / 100;
                m = v % 100;
            } else if (len == 6) {
                h = v / 10000;
                m = (v / 100) % 100;
                s = v % 100;
            } else {
                throw syntax();
            }
            if (h > 15 || m > 59 || s > 59) {
                throw new PgException("22009", // invalid_time_zone_displacement_value
                        "time zone displacement out of range: \"" + text + "\"");
            }
            return ZoneOffset.ofTotalSeconds((int) (sign * (h * 3600 + m * 60 + s)));
        }
        if (Character.isLetter(c)) {
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '/'
                    || text.charAt(pos) == '_' || text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            String name = text.substring(start, pos);
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("bc") || lower.equals("ad")) {
                pos = start;
                return null;
            }
            if (lower.equals("z") || lower.equals("utc") || lower.equals("gmt") || lower.equals("zulu")) {
                return ZoneOffset.UTC;
            }
            return zoneNamed(name);
        }
        throw syntax();
    }

    private static ZoneId zoneNamed(String name) {
        try {
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            for (String id : ZoneId.getAvailableZoneIds()) {
                if (id.equalsIgnoreCase(name)) {
                    return ZoneId.of(id);
                }
            }
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "time zone \"" + name.toLowerCase(Locale.ROOT) + "\" not recognized");
        }
    }

    /** Up to {@code max} digits as a number, or -1 if there is no digit here. */
    private long digits(int max) {
        int start = pos;
        long v = 0;
        while (pos < text.length() && pos - start < max && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            v = v * 10 + (text.charAt(pos) - '0');
            pos++;
        }
        return pos == start ? -1 : v;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpaces() {
        while (pos < text.length() && Wire.isSpace(text.charAt(pos))) {
            pos++;
        }
    }
}
