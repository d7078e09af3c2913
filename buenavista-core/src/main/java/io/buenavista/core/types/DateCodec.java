package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;

/** {@code date} ({@code LocalDate}; MAX/MIN are ±infinity): binary is days since 2000-01-01. */
final class DateCodec extends BaseCodec {
    DateCodec() {
        super(PgType.DATE);
    }

    private static LocalDate toDate(Object value) {
        if (value instanceof LocalDate d) {
            return d;
        }
        if (value instanceof LocalDateTime t) {
            return t.equals(LocalDateTime.MAX) ? LocalDate.MAX
                    : t.equals(LocalDateTime.MIN) ? LocalDate.MIN : t.toLocalDate();
        }
        if (value instanceof OffsetDateTime t) {
            return t.toLocalDate();
        }
        throw Wire.cannotEncode(value, "date");
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        LocalDate d = toDate(value);
        if (d.equals(LocalDate.MAX)) {
            out.writeUtf8("infinity");
        } else if (d.equals(LocalDate.MIN)) {
            out.writeUtf8("-infinity");
        } else {
            PgTime.toPgDays(d); // range check
            PgTime.writeDate(out, d);
            PgTime.writeBc(out, d);
        }
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        out.writeInt(PgTime.toPgDays(toDate(value)));
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        DateTimeParser.Parsed p = DateTimeParser.parse(text, "date");
        switch (p.special()) {
            case INFINITY:
                return LocalDate.MAX;
            case NEG_INFINITY:
                return LocalDate.MIN;
            default:
                break;
        }
        if (p.date() == null) {
            throw new PgException(SqlState.INVALID_DATETIME_FORMAT, "invalid input syntax for type date: \"" + text + "\"");
        }
        long days = p.date().toEpochDay() - PgTime.EPOCH_DAY_2000;
        if (days < PgTime.MIN_DAY || days >= PgTime.END_DAY) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "date out of range: \"" + text + "\"");
        }
        return p.date();
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        Wire.checkLength(length, 4, "date");
        return PgTime.fromPgDays(Wire.readInt(buf, offset));
    }
}
