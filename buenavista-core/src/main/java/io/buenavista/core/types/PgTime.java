package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;

/**
 * PostgreSQL's date/time arithmetic: days and microseconds counted from 2000-01-01, its valid ranges, and its ISO
 * text output (DateStyle ISO).
 */
final class PgTime {
    private PgTime() {}

    static final long EPOCH_DAY_2000 = LocalDate.of(2000, 1, 1).toEpochDay();
    static final long MICROS_PER_DAY = 86_400_000_000L;
    /** 4714-11-24 BC, Julian day 0: the first valid date and timestamp. */
    static final long MIN_DAY = LocalDate.of(-4713, 11, 24).toEpochDay() - EPOCH_DAY_2000;
    /** The first invalid date: 5874898-01-01. */
    static final long END_DAY = LocalDate.of(5874898, 1, 1).toEpochDay() - EPOCH_DAY_2000;
    static final long MIN_TIMESTAMP = MIN_DAY * MICROS_PER_DAY;
    /** The first invalid timestamp: 294277-01-01 00:00:00. */
    static final long END_TIMESTAMP = (LocalDate.of(294277, 1, 1).toEpochDay() - EPOCH_DAY_2000) * MICROS_PER_DAY;

    /** Days since 2000-01-01; Integer.MAX/MIN for infinity. */
    static int toPgDays(LocalDate d) {
        if (d.equals(LocalDate.MAX)) {
            return Integer.MAX_VALUE;
        }
        if (d.equals(LocalDate.MIN)) {
            return Integer.MIN_VALUE;
        }
        long days = d.toEpochDay() - EPOCH_DAY_2000;
        if (days < MIN_DAY || days >= END_DAY) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "date out of range");
        }
        return (int) days;
    }

    static LocalDate fromPgDays(int days) {
        if (days == Integer.MAX_VALUE) {
            return LocalDate.MAX;
        }
        if (days == Integer.MIN_VALUE) {
            return LocalDate.MIN;
        }
        if (days < MIN_DAY || days >= END_DAY) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "date out of range");
        }
        return LocalDate.ofEpochDay(days + EPOCH_DAY_2000);
    }

    /** Microseconds of the day, rounding nanoseconds; LocalTime.MAX is 24:00:00. */
    static long toPgTime(LocalTime t) {
        if (t.equals(LocalTime.MAX)) {
            return MICROS_PER_DAY;
        }
        return Math.min((t.toNanoOfDay() + 500) / 1000, MICROS_PER_DAY);
    }

    static LocalTime fromPgTime(long micros) {
        if (micros < 0 || micros > MICROS_PER_DAY) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "time out of range");
        }
        return micros == MICROS_PER_DAY ? LocalTime.MAX : LocalTime.ofNanoOfDay(micros * 1000);
    }

    /** Microseconds since 2000-01-01 00:00; Long.MAX/MIN for infinity. */
    static long toPgTimestamp(LocalDateTime t) {
        if (t.equals(LocalDateTime.MAX)) {
            return Long.MAX_VALUE;
        }
        if (t.equals(LocalDateTime.MIN)) {
            return Long.MIN_VALUE;
        }
        return checkTimestamp(toMicros(t.toLocalDate().toEpochDay() - EPOCH_DAY_2000, t.toLocalTime().toNanoOfDay()));
    }

    static long toPgTimestamp(Instant t) {
        if (t.equals(Instant.MAX)) {
            return Long.MAX_VALUE;
        }
        if (t.equals(Instant.MIN)) {
            return Long.MIN_VALUE;
        }
        long days = Math.floorDiv(t.getEpochSecond(), 86_400L);
        long nanoOfDay = Math.floorMod(t.getEpochSecond(), 86_400L) * 1_000_000_000L + t.getNano();
        return checkTimestamp(toMicros(days - EPOCH_DAY_2000, nanoOfDay));
    }

    private static long toMicros(long days, long nanoOfDay) {
        if (days < MIN_DAY - 1 || days > END_DAY + 1) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "timestamp out of range");
        }
        return days * MICROS_PER_DAY + (nanoOfDay + 500) / 1000;
    }

    static long checkTimestamp(long micros) {
        if (micros < MIN_TIMESTAMP || micros >= END_TIMESTAMP) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "timestamp out of range");
        }
        return micros;
    }

    static LocalDateTime fromPgTimestamp(long micros) {
        if (micros == Long.MAX_VALUE) {
            return LocalDateTime.MAX;
        }
        if (micros == Long.MIN_VALUE) {
            return LocalDateTime.MIN;
        }
        checkTimestamp(micros);
        long days = Math.floorDiv(micros, MICROS_PER_DAY);
        long timeMicros = Math.floorMod(micros, MICROS_PER_DAY);
        return LocalDateTime.of(LocalDate.ofEpochDay(days + EPOCH_DAY_2000), LocalTime.ofNanoOfDay(timeMicros * 1000));
    }

    static Instant instantOf(long micros) {
        checkTimestamp(micros);
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L) + EPOCH_DAY_2000 * 86_400L,
                Math.floorMod(micros, 1_000_000L) * 1000);
    }

    /** {@code YYYY-MM-DD} without the BC suffix; years of more than four digits are written in full. */
    static void writeDate(ByteSink out, LocalDate d) {
        int year = d.getYear();
        Wire.writePadded(out, year <= 0 ? 1 - year : year, 4);
        out.writeByte('-');
        Wire.writePadded(out, d.getMonthValue(), 2);
        out.writeByte('-');
        Wire.writePadded(out, d.getDayOfMonth(), 2);
    }

    static void writeBc(ByteSink out, LocalDate d) {
        if (d.getYear() <= 0) {
            out.writeUtf8(" BC");
        }
    }

    /** {@code HH:MM:SS[.ffffff]} from microseconds of the day, trailing zeros of the fraction dropped. */
    static void writeTime(ByteSink out, long micros) {
        long secs = micros / 1_000_000L;
        int frac = (int) (micros % 1_000_000L);
        Wire.writePadded(out, secs / 3600, 2);
        out.writeByte(':');
        Wire.writePadded(out, (secs / 60) % 60, 2);
        out.writeByte(':');
        Wire.writePadded(out, secs % 60, 2);
        writeFraction(out, frac);
    }

    static void writeFraction(ByteSink out, int frac) {
        if (frac == 0) {
            return;
        }
        int digits = 6;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        out.writeByte('.');
        Wire.writePadded(out, frac, digits);
    }

    /** A UTC offset as PostgreSQL prints it: {@code +00}, {@code +05:30}, {@code -03}, {@code +00:19:32}. */
    static void writeOffset(ByteSink out, ZoneOffset offset) {
        int total = offset.getTotalSeconds();
        out.writeByte(total < 0 ? '-' : '+');
        total = Math.abs(total);
        int hours = total / 3600;
        int minutes = (total / 60) % 60;
        int seconds = total % 60;
        Wire.writePadded(out, hours, 2);
        if (minutes != 0 || seconds != 0) {
            out.writeByte(':');
            Wire.writePadded(out, minutes, 2);
        }
        if (seconds != 0) {
            out.writeByte(':');
            Wire.writePadded(out, seconds, 2);
        }
    }

    /** A timestamp (microseconds since 2000, finite) as {@code YYYY-MM-DD HH:MM:SS[.f]} plus offset and BC. */
    static void writeTimestamp(ByteSink out, long micros, ZoneOffset offsetOrNull) {
        long days = Math.floorDiv(micros, MICROS_PER_DAY);
        LocalDate date = LocalDate.ofEpochDay(days + EPOCH_DAY_2000);
        writeDate(out, date);
        out.writeByte(' ');
        writeTime(out, Math.floorMod(micros, MICROS_PER_DAY));
        if (offsetOrNull != null) {
            writeOffset(out, offsetOrNull);
        }
        writeBc(out, date);
    }
}
