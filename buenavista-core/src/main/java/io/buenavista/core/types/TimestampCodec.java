package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * {@code timestamp} ({@code LocalDateTime}) and {@code timestamptz} ({@code OffsetDateTime} or {@code Instant};
 * decoded as an {@code OffsetDateTime} in the session time zone). Binary is microseconds since 2000-01-01 (UTC for
 * timestamptz), Long.MAX/MIN for ±infinity; text is rendered in the session time zone with its offset.
 */
final class TimestampCodec extends BaseCodec {
    private final boolean withZone;
    private final String sqlName;

    private TimestampCodec(PgType type, boolean withZone, String sqlName) {
        super(type);
        this.withZone = withZone;
        this.sqlName = sqlName;
    }

    static TimestampCodec timestamp() {
        return new TimestampCodec(PgType.TIMESTAMP, false, "timestamp without time zone");
    }

    static TimestampCodec timestamptz() {
        return new TimestampCodec(PgType.TIMESTAMPTZ, true, "timestamp with time zone");
    }

    /** The value as microseconds since 2000-01-01 (local time for timestamp, UTC for timestamptz). */
    private long toMicros(Object value, TypeContext ctx) {
        if (withZone) {
            if (value instanceof OffsetDateTime t) {
                if (t.equals(OffsetDateTime.MAX)) {
                    return Long.MAX_VALUE;
                }
                if (t.equals(OffsetDateTime.MIN)) {
                    return Long.MIN_VALUE;
                }
                return PgTime.toPgTimestamp(t.toInstant());
            }
            if (value instanceof Instant t) {
                return PgTime.toPgTimestamp(t);
            }
            if (value instanceof ZonedDateTime t) {
                return PgTime.toPgTimestamp(t.toInstant());
            }
            if (value instanceof LocalDateTime t) {
                if (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
                    return PgTime.toPgTimestamp(t);
                }
                return PgTime.toPgTimestamp(t.atZone(ctx.timeZone()).toInstant());
            }
        } else {
            if (value instanceof LocalDateTime t) {
                return PgTime.toPgTimestamp(t);
            }
            if (value instanceof OffsetDateTime t) {
                return PgTime.toPgTimestamp(t.equals(OffsetDateTime.MAX) ? LocalDateTime.MAX
                        : t.equals(OffsetDateTime.MIN) ? LocalDateTime.MIN : t.toLocalDateTime());
            }
            if (value instanceof LocalDate d) {
                return PgTime.toPgTimestamp(d.equals(LocalDate.MAX) ? LocalDateTime.MAX
                        : d.equals(LocalDate.MIN) ? LocalDateTime.MIN : d.atStartOfDay());
            }
        }
        throw Wire.cannotEncode(value, sqlName);
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        long micros = toMicros(value, ctx);
        if (micros == Long.MAX_VALUE) {
            out.writeUtf8("infinity");
        } else if (micros == Long.MIN_VALUE) {
            out.writeUtf8("-infinity");
        } else if (withZone) {
            ZoneOffset offset = ctx.timeZone().getRules().getOffset(PgTime.instantOf(micros));
            PgTime.writeTimestamp(out, micros + offset.getTotalSeconds() * 1_000_000L, offset);
        } else {
            PgTime.writeTimestamp(out, micros, null);
        }
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        out.writeLong(toMicros(value, ctx));
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        DateTimeParser.Parsed p = DateTimeParser.parse(text, withZone ? "timestamp with time zone" : "timestamp");
        switch (p.special()) {
            case INFINITY:
                return withZone ? OffsetDateTime.MAX : LocalDateTime.MAX;
            case NEG_INFINITY:
                return withZone ? OffsetDateTime.MIN : LocalDateTime.MIN;
            default:
                break;
        }
        if (p.date() == null) {
            throw new PgException(SqlState.INVALID_DATETIME_FORMAT,
                    "invalid input syntax for type " + sqlName + ": \"" + text + "\"");
        }
        long days = p.date().toEpochDay() - PgTime.EPOCH_DAY_2000;
        long localMicros = days * PgTime.MICROS_PER_DAY + Math.max(0, p.timeMicros());
        if (!withZone) {
            // PostgreSQL ignores a zone given for a timestamp without time zone.
            checkRange(localMicros, text);
            return PgTime.fromPgTimestamp(localMicros);
        }
        ZoneId zone = p.zone() != null ? p.zone() : ctx.timeZone();
        long utcMicros;
        if (zone instanceof ZoneOffset off) {
            utcMicros = localMicros - off.getTotalSeconds() * 1_000_000L;
        } else {
            LocalDateTime local = PgTime.fromPgTimestamp(checkRange(localMicros, text));
            utcMicros = localMicros - local.atZone(zone).getOffset().getTotalSeconds() * 1_000_000L;
        }
        checkRange(utcMicros, text);
        return toOffsetDateTime(utcMicros, ctx);
    }

    private static long checkRange(long micros, String text) {
        if (micros < PgTime.MIN_TIMESTAMP || micros >= PgTime.END_TIMESTAMP) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"" + text + "\"");
        }
        return micros;
    }

    private static OffsetDateTime toOffsetDateTime(long utcMicros, TypeContext ctx) {
        if (utcMicros == Long.MAX_VALUE) {
            return OffsetDateTime.MAX;
        }
        if (utcMicros == Long.MIN_VALUE) {
            return OffsetDateTime.MIN;
        }
        Instant instant = PgTime.instantOf(utcMicros);
        return instant.atOffset(ctx.timeZone().getRules().getOffset(instant));
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        Wire.checkLength(length, 8, sqlName);
        long micros = Wire.readLong(buf, offset);
        if (micros != Long.MAX_VALUE && micros != Long.MIN_VALUE
                && (micros < PgTime.MIN_TIMESTAMP || micros >= PgTime.END_TIMESTAMP)) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "timestamp out of range");
        }
        return withZone ? toOffsetDateTime(micros, ctx) : PgTime.fromPgTimestamp(micros);
    }
}
