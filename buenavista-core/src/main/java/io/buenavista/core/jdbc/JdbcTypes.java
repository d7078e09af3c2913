package io.buenavista.core.jdbc;

import io.buenavista.api.Column;
import io.buenavista.api.PgType;

import java.math.BigDecimal;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The one table from a driver's column types ({@link Types} and the database's type name) to the PostgreSQL type a
 * client sees, and the way each value is read. A type not in the table is sent as text, read with
 * {@link ResultSet#getString}: the client then always gets the database's own rendering rather than an error.
 */
final class JdbcTypes {
    private JdbcTypes() {}

    /** How one column is read from a result set. */
    enum Reader {
        BOOL, INT2, INT4, INT8, FLOAT4, FLOAT8, NUMERIC, STRING, BYTES, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, UUID, ARRAY
    }

    /**
     * The one-dimensional arrays read as lists, by the database's type name (pgjdbc's {@code _int4}, …); other
     * arrays are sent as the database's text. (A multidimensional value of these types fails with 0A000, as the
     * core does not send those.)
     */
    private static final java.util.Map<String, PgType> ARRAYS = java.util.Map.ofEntries(
            java.util.Map.entry("_bool", PgType.BOOL_ARRAY), java.util.Map.entry("_int2", PgType.INT2_ARRAY),
            java.util.Map.entry("_int4", PgType.INT4_ARRAY), java.util.Map.entry("_int8", PgType.INT8_ARRAY),
            java.util.Map.entry("_float4", PgType.FLOAT4_ARRAY), java.util.Map.entry("_float8", PgType.FLOAT8_ARRAY),
            java.util.Map.entry("_numeric", PgType.NUMERIC_ARRAY), java.util.Map.entry("_text", PgType.TEXT_ARRAY),
            java.util.Map.entry("_varchar", PgType.VARCHAR_ARRAY), java.util.Map.entry("_uuid", PgType.UUID_ARRAY),
            java.util.Map.entry("_date", PgType.DATE_ARRAY), java.util.Map.entry("_timestamp", PgType.TIMESTAMP_ARRAY));

    /** One column's type and reader. */
    record Mapping(PgType type, Reader reader) {}

    /**
     * The table. The database's type name refines the JDBC type where drivers share one JDBC type among several
     * PostgreSQL types: pgjdbc reports {@code text} as VARCHAR, {@code timestamptz} as TIMESTAMP, {@code uuid} and
     * {@code json} as OTHER; HANA reports {@code SECONDDATE} as TIMESTAMP and {@code NCLOB} as NCLOB.
     */
    static Mapping of(int jdbcType, String typeName) {
        String name = typeName == null ? "" : typeName.toLowerCase(Locale.ROOT);
        return switch (jdbcType) {
            case Types.BOOLEAN, Types.BIT -> new Mapping(PgType.BOOL, Reader.BOOL);
            case Types.TINYINT, Types.SMALLINT -> new Mapping(PgType.INT2, Reader.INT2);
            case Types.INTEGER -> new Mapping(PgType.INT4, Reader.INT4);
            case Types.BIGINT -> new Mapping(PgType.INT8, Reader.INT8);
            case Types.REAL -> new Mapping(PgType.FLOAT4, Reader.FLOAT4);
            case Types.FLOAT, Types.DOUBLE -> name.equals("float4") ? new Mapping(PgType.FLOAT4, Reader.FLOAT4)
                    : new Mapping(PgType.FLOAT8, Reader.FLOAT8);
            case Types.NUMERIC, Types.DECIMAL -> new Mapping(PgType.NUMERIC, Reader.NUMERIC);
            case Types.CHAR, Types.NCHAR -> new Mapping(PgType.BPCHAR, Reader.STRING);
            case Types.VARCHAR, Types.NVARCHAR -> name.equals("text") ? new Mapping(PgType.TEXT, Reader.STRING)
                    : new Mapping(PgType.VARCHAR, Reader.STRING);
            case Types.LONGVARCHAR, Types.LONGNVARCHAR, Types.CLOB, Types.NCLOB ->
                    new Mapping(PgType.TEXT, Reader.STRING);
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB ->
                    new Mapping(PgType.BYTEA, Reader.BYTES);
            case Types.DATE -> new Mapping(PgType.DATE, Reader.DATE);
            case Types.TIME -> new Mapping(PgType.TIME, Reader.TIME);
            case Types.TIMESTAMP -> name.equals("timestamptz") ? new Mapping(PgType.TIMESTAMPTZ, Reader.TIMESTAMPTZ)
                    : new Mapping(PgType.TIMESTAMP, Reader.TIMESTAMP);
            case Types.TIMESTAMP_WITH_TIMEZONE -> new Mapping(PgType.TIMESTAMPTZ, Reader.TIMESTAMPTZ);
            case Types.ARRAY -> ARRAYS.containsKey(name) ? new Mapping(ARRAYS.get(name), Reader.ARRAY)
                    : new Mapping(PgType.TEXT, Reader.STRING);
            default -> switch (name) {
                case "uuid" -> new Mapping(PgType.UUID, Reader.UUID);
                case "json" -> new Mapping(PgType.JSON, Reader.STRING);
                case "jsonb" -> new Mapping(PgType.JSONB, Reader.STRING);
                default -> new Mapping(PgType.TEXT, Reader.STRING);
            };
        };
    }

    /** The columns of a result, and how to read each, from the driver's description. */
    static void describe(ResultSetMetaData meta, List<Column> columns, List<Mapping> mappings) throws SQLException {
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            Mapping m = of(meta.getColumnType(i), meta.getColumnTypeName(i));
            columns.add(new Column(meta.getColumnLabel(i), m.type(), typeModifier(meta, i, m.type()), 0, (short) 0));
            mappings.add(m);
        }
    }

    /** {@code atttypmod} for the types whose size the driver reports; -1 when unknown. */
    private static int typeModifier(ResultSetMetaData meta, int column, PgType type) throws SQLException {
        if (type.equals(PgType.NUMERIC)) {
            int precision = meta.getPrecision(column);
            int scale = meta.getScale(column);
            // Drivers report 0 (or PostgreSQL's 1000-digit maximum) for a numeric without a declared precision.
            return precision > 0 && precision <= 1000 && scale >= 0 && scale <= precision
                    && !(precision == 1000 || precision == 131089) ? ((precision << 16) | scale) + 4 : -1;
        }
        if (type.equals(PgType.VARCHAR) || type.equals(PgType.BPCHAR)) {
            int precision = meta.getPrecision(column);
            return precision > 0 && precision < 10_485_760 ? precision + 4 : -1;
        }
        return -1;
    }

    /** The parameter type a driver infers for a {@code ?}, or {@link PgType#UNKNOWN} when it cannot say. */
    static PgType parameterType(ParameterMetaData meta, int index) {
        try {
            PgType type = of(meta.getParameterType(index), meta.getParameterTypeName(index)).type();
            // Text is what the client sends anyway: leave it unknown, so the driver gets the client's text.
            return type.equals(PgType.TEXT) ? PgType.UNKNOWN : type;
        } catch (SQLException | RuntimeException e) {
            return PgType.UNKNOWN;
        }
    }

    /** Reads a value as {@link PgType} documents the Java type of its mapping; null for SQL NULL. */
    static Object read(ResultSet rs, int column, Mapping mapping) throws SQLException {
        Object value = switch (mapping.reader()) {
            case BOOL -> rs.getBoolean(column);
            case INT2 -> rs.getShort(column);
            case INT4 -> rs.getInt(column);
            case INT8 -> rs.getLong(column);
            case FLOAT4 -> rs.getFloat(column);
            case FLOAT8 -> rs.getDouble(column);
            case NUMERIC -> numeric(rs, column);
            case STRING -> rs.getString(column);
            case BYTES -> rs.getBytes(column);
            case DATE -> rs.getObject(column, LocalDate.class);
            case TIME -> rs.getObject(column, LocalTime.class);
            case TIMESTAMP -> rs.getObject(column, LocalDateTime.class);
            case TIMESTAMPTZ -> rs.getObject(column, OffsetDateTime.class);
            case UUID -> uuid(rs.getObject(column));
            case ARRAY -> list(rs.getArray(column));
        };
        return rs.wasNull() ? null : value;
    }

    private static Object numeric(ResultSet rs, int column) throws SQLException {
        try {
            return rs.getBigDecimal(column);
        } catch (SQLException notADecimal) {
            // NaN and ±Infinity have no BigDecimal; PgType takes a Double for them.
            String text = rs.getString(column);
            return switch (text == null ? "" : text) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> throw notADecimal;
            };
        }
    }

    /** An array's elements as a list, java.sql dates and times as java.time; nested arrays stay arrays. */
    private static List<Object> list(java.sql.Array array) throws SQLException {
        if (array == null) {
            return null;
        }
        try {
            Object[] elements = (Object[]) array.getArray();
            Object[] converted = new Object[elements.length];
            for (int i = 0; i < elements.length; i++) {
                Object e = elements[i];
                converted[i] = e instanceof java.sql.Date d ? d.toLocalDate()
                        : e instanceof java.sql.Timestamp t ? t.toLocalDateTime()
                        : e instanceof java.sql.Time t ? t.toLocalTime() : e;
            }
            return java.util.Arrays.asList(converted);
        } finally {
            array.free();
        }
    }

    private static UUID uuid(Object value) {
        return value == null ? null : value instanceof UUID u ? u : UUID.fromString(value.toString());
    }

    /** Binds one value, of the Java type {@link PgType} documents for {@code type}. */
    static void bind(PreparedStatement ps, int index, PgType type, Object value) throws SQLException {
        if (value == null) {
            ps.setNull(index, jdbcType(type));
        } else if (value instanceof byte[] bytes) {
            ps.setBytes(index, bytes);
        } else if (value instanceof String s) {
            ps.setString(index, s);
        } else if (value instanceof BigDecimal d) {
            ps.setBigDecimal(index, d);
        } else {
            ps.setObject(index, value);
        }
    }

    private static int jdbcType(PgType type) {
        if (type.equals(PgType.BOOL)) {
            return Types.BOOLEAN;
        } else if (type.equals(PgType.INT2)) {
            return Types.SMALLINT;
        } else if (type.equals(PgType.INT4)) {
            return Types.INTEGER;
        } else if (type.equals(PgType.INT8)) {
            return Types.BIGINT;
        } else if (type.equals(PgType.FLOAT4)) {
            return Types.REAL;
        } else if (type.equals(PgType.FLOAT8)) {
            return Types.DOUBLE;
        } else if (type.equals(PgType.NUMERIC)) {
            return Types.NUMERIC;
        } else if (type.equals(PgType.BYTEA)) {
            return Types.VARBINARY;
        } else if (type.equals(PgType.DATE)) {
            return Types.DATE;
        } else if (type.equals(PgType.TIME)) {
            return Types.TIME;
        } else if (type.equals(PgType.TIMESTAMP)) {
            return Types.TIMESTAMP;
        } else if (type.equals(PgType.TIMESTAMPTZ)) {
            return Types.TIMESTAMP_WITH_TIMEZONE;
        } else if (type.equals(PgType.UNKNOWN)) {
            return Types.NULL; // lets the database type it from its context, as PostgreSQL types an untyped NULL
        }
        return Types.VARCHAR;
    }
}
