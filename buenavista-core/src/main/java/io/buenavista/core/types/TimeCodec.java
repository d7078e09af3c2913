package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.time.LocalTime;

/** {@code time} ({@code LocalTime}; MAX is 24:00:00): binary is microseconds of the day. */
final class TimeCodec extends BaseCodec {
    TimeCodec() {
        super(PgType.TIME);
    }

    private static long toMicros(Object value) {
        if (value instanceof LocalTime t) {
            return PgTime.toPgTime(t);
        }
        throw Wire.cannotEncode(value, "time without time zone");
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        PgTime.writeTime(out, toMicros(value));
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        out.writeLong(toMicros(value));
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        DateTimeParser.Parsed p = DateTimeParser.parse(text, "time");
        if (p.timeMicros() < 0 || p.special() != DateTimeParser.Special.NONE) {
            throw new PgException(SqlState.INVALID_DATETIME_FORMAT,
                    "invalid input syntax for type time: \"" + text + "\"");
        }
        return PgTime.fromPgTime(p.timeMicros());
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        Wire.checkLength(length, 8, "time");
        return PgTime.fromPgTime(Wire.readLong(buf, offset));
    }
}
