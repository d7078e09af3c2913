package io.buenavista.core.duckdb;

import io.buenavista.api.Column;
import io.buenavista.api.PgInterval;
import io.buenavista.api.PgType;

import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBResultSetMetaData;
import org.duckdb.DuckDBStruct;
import org.duckdb.JsonNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * DuckDB's types as PostgreSQL types: the mapping fixed from statement metadata, reading values from a DuckDB
 * {@link ResultSet} as the Java types {@link PgType} documents, and binding parameter values.
 */
final class DuckDbTypes {
    private DuckDbTypes() {}

    /** How a value of a column is read and converted. */
    enum Kind {
        BOOL, INT2, INT4, INT8, BIG_INTEGER, BIGNUM, FLOAT4, FLOAT8, DECIMAL, WIDE_DECIMAL, TEXT, BYTEA, DATE, TIME,
        TIMESTAMP, TIMESTAMPTZ, INTERVAL, UUID, JSON, NESTED_JSON, LIST, OTHER
    }

    /**
     * The PostgreSQL view of one DuckDB result column or list element.
     *
     * @param pgType       the type sent to clients
     * @param typeModifier its atttypmod, -1 for none
     * @param kind         how values are read
     * @param element      for {@link Kind#LIST} the element's mapping, otherwise null
     */
    record Mapping(PgType pgType, int typeModifier, Kind kind, Mapping element) {
        Column column(String name) {
            return new Column(name, pgType, typeModifier, 0, (short) 0);
        }
    }

    private static final Mapping TEXT_FALLBACK = new Mapping(PgType.TEXT, -1, Kind.OTHER, null);

    // DuckDB stores ±infinity as the extreme values of its date and timestamp types; the driver returns those as
    // ordinary (far away) dates, which PgType's MAX/MIN stand for.
    private static final LocalDate DATE_INFINITY = LocalDate.ofEpochDay(Integer.MAX_VALUE);
    private static final LocalDate DATE_MINUS_INFINITY = LocalDate.ofEpochDay(-Integer.MAX_VALUE);
    private static final LocalDateTime TIMESTAMP_INFINITY = fromEpochMicros(Long.MAX_VALUE);
    private static final LocalDateTime TIMESTAMP_MINUS_INFINITY = fromEpochMicros(-Long.MAX_VALUE);

    private static LocalDateTime fromEpochMicros(long micros) {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
    }

    /**
     * Maps a DuckDB type as its metadata names it ({@code INTEGER}, {@code DECIMAL(10,2)}, {@code VARCHAR[]}…).
     *
     * @param precision,scale the decimal's precision and scale from the metadata (used for {@code DECIMAL} only)
     */
    static Mapping map(String typeName, int precision, int scale) {
        if (typeName == null) {
            return TEXT_FALLBACK;
        }
        String name = typeName.strip();
        if (name.equals("BIGNUM") || name.equals("VARINT")) {
            return new Mapping(PgType.NUMERIC, -1, Kind.BIGNUM, null);
        }
        DuckDBColumnType type = DuckDBResultSetMetaData.TypeNameToType(name);
        switch (type) {
            case BOOLEAN:
                return simple(PgType.BOOL, Kind.BOOL);
            case TINYINT:
            case UTINYINT:
            case SMALLINT:
                return simple(PgType.INT2, Kind.INT2);
            case USMALLINT:
            case INTEGER:
                return simple(PgType.INT4, Kind.INT4);
            case UINTEGER:
            case BIGINT:
                return simple(PgType.INT8, Kind.INT8);
            case UBIGINT:
            case HUGEINT:
            case UHUGEINT:
                return simple(PgType.NUMERIC, Kind.BIG_INTEGER);
            case FLOAT:
                return simple(PgType.FLOAT4, Kind.FLOAT4);
            case DOUBLE:
                return simple(PgType.FLOAT8, Kind.FLOAT8);
            case DECIMAL: {
                if (name.equals(NumericCasts.WIDE_TYPE)) {
                    // what a cast to unconstrained numeric became (NumericCasts): shown as PostgreSQL shows one
                    return simple(PgType.NUMERIC, Kind.WIDE_DECIMAL);
                }
                int[] ps = decimalPrecisionScale(name, precision, scale);
                int typmod = ps == null ? -1 : ((ps[0] << 16) | ps[1]) + 4;
                return new Mapping(PgType.NUMERIC, typmod, Kind.DECIMAL, null);
            }
            case VARCHAR:
                return simple(PgType.TEXT, Kind.TEXT);
            case ENUM:
                return simple(PgType.TEXT, Kind.TEXT);
            case BLOB:
                return simple(PgType.BYTEA, Kind.BYTEA);
            case DATE:
                return simple(PgType.DATE, Kind.DATE);
            case TIME:
            case TIME_NS:
                return simple(PgType.TIME, Kind.TIME);
            case TIMESTAMP:
            case TIMESTAMP_S:
            case TIMESTAMP_MS:
            case TIMESTAMP_NS:
                return simple(PgType.TIMESTAMP, Kind.TIMESTAMP);
            case TIMESTAMP_WITH_TIME_ZONE:
                return simple(PgType.TIMESTAMPTZ, Kind.TIMESTAMPTZ);
            case INTERVAL:
                return simple(PgType.INTERVAL, Kind.INTERVAL);
            case UUID:
                return simple(PgType.UUID, Kind.UUID);
            case JSON:
                return simple(PgType.JSON, Kind.JSON);
            case STRUCT:
            case MAP:
                return simple(PgType.JSON, Kind.NESTED_JSON);
            case LIST:
            case ARRAY:
                return list(name);
            default:
                return TEXT_FALLBACK;
        }
    }

    private static Mapping simple(PgType type, Kind kind) {
        return new Mapping(type, -1, kind, null);
    }

    private static Mapping list(String name) {
        // "INTEGER[]" (LIST) or "INTEGER[3]" (ARRAY): the element type is the name without its last brackets.
        int open = name.lastIndexOf('[');
        if (open <= 0 || !name.endsWith("]")) {
            return simple(PgType.JSON, Kind.NESTED_JSON);
        }
        Mapping element = map(name.substring(0, open), -1, -1);
        if (element.kind == Kind.LIST || element.kind == Kind.NESTED_JSON) {
            return simple(PgType.JSON, Kind.NESTED_JSON);
        }
        PgType arrayType = element.kind == Kind.OTHER ? null : PgType.arrayOf(element.pgType);
        if (arrayType == null) {
            return TEXT_FALLBACK;
        }
        return new Mapping(arrayType, element.typeModifier, Kind.LIST, element);
    }

    private static int[] decimalPrecisionScale(String name, int precision, int scale) {
        int open = name.indexOf('(');
        int comma = name.indexOf(',');
        int close = name.indexOf(')');
        if (open > 0 && comma > open && close > comma) {
            try {
                return new int[] {Integer.parseInt(name.substring(open + 1, comma).strip()),
                        Integer.parseInt(name.substring(comma + 1, close).strip())};
            } catch (NumberFormatException e) {
                // fall through to the metadata's numbers
            }
        }
        return precision > 0 ? new int[] {precision, Math.max(scale, 0)} : null;
    }

    /**
     * The type to report for a parameter DuckDB inferred, or {@link PgType#UNKNOWN} when it could not infer one or
     * when its PostgreSQL form cannot be passed back losslessly (nested types, which are then bound as text).
     */
    static PgType parameterType(String typeName) {
        if (typeName == null || typeName.equals("INVALID") || typeName.equals("UNKNOWN")) {
            return PgType.UNKNOWN;
        }
        Mapping m = map(typeName, -1, -1);
        return switch (m.kind) {
            case NESTED_JSON, OTHER -> PgType.UNKNOWN;
            default -> m.pgType;
        };
    }

    // ---- reading ----

    /** Reads column {@code index} (1-based) of the current row as the Java type of its mapping. */
    static Object read(ResultSet rs, int index, Mapping mapping) throws SQLException {
        switch (mapping.kind) {
            case TIMESTAMP: {
                LocalDateTime v = rs.getObject(index, LocalDateTime.class);
                return v == null ? null : timestamp(v);
            }
            case TIMESTAMPTZ: {
                OffsetDateTime v = rs.getObject(index, OffsetDateTime.class);
                return v == null ? null : timestamptz(v);
            }
            case BYTEA:
                return rs.getBytes(index);
            case TEXT:
            case JSON:
            case OTHER:
                // Text kinds only: DuckDB's text of other types is not PostgreSQL's.
                return rs.getString(index);
            default:
                return convert(rs.getObject(index), mapping);
        }
    }

    /** Converts what the driver returned for a value (or a list element) to the Java type of its mapping. */
    static Object convert(Object o, Mapping mapping) throws SQLException {
        if (o == null) {
            return null;
        }
        switch (mapping.kind) {
            case BOOL:
                return o;
            case INT2:
                return ((Number) o).shortValue();
            case INT4:
                return ((Number) o).intValue();
            case INT8:
                return ((Number) o).longValue();
            case BIG_INTEGER:
                return o instanceof BigInteger b ? new BigDecimal(b) : new BigDecimal(o.toString());
            case BIGNUM:
                return new BigDecimal(o.toString());
            case FLOAT4:
                return ((Number) o).floatValue();
            case FLOAT8:
                return ((Number) o).doubleValue();
            case DECIMAL:
                return o instanceof BigDecimal ? o : new BigDecimal(o.toString());
            case WIDE_DECIMAL: {
                BigDecimal d = (o instanceof BigDecimal b ? b : new BigDecimal(o.toString())).stripTrailingZeros();
                return d.scale() < 0 ? d.setScale(0) : d;
            }
            case BYTEA:
                return bytes(o);
            case DATE:
                return date((LocalDate) o);
            case TIME:
                return ((LocalTime) o).truncatedTo(ChronoUnit.MICROS);
            case TIMESTAMP:
                return timestamp(o instanceof Timestamp ts ? ts.toLocalDateTime() : (LocalDateTime) o);
            case TIMESTAMPTZ:
                return timestamptz((OffsetDateTime) o);
            case INTERVAL:
                return parseInterval(o.toString());
            case UUID:
                return o instanceof UUID ? o : java.util.UUID.fromString(o.toString());
            case NESTED_JSON:
                return toJson(o);
            case LIST: {
                Object[] elements = (Object[]) ((Array) o).getArray();
                List<Object> values = new ArrayList<>(elements.length);
                for (Object element : elements) {
                    values.add(convert(element, mapping.element));
                }
                return Collections.unmodifiableList(values);
            }
            default:
                return o.toString();
        }
    }

    private static byte[] bytes(Object o) throws SQLException {
        if (o instanceof byte[] b) {
            return b;
        }
        Blob blob = (Blob) o;
        return blob.getBytes(1, (int) blob.length());
    }

    private static LocalDate date(LocalDate v) {
        if (v.equals(DATE_INFINITY)) {
            return LocalDate.MAX;
        }
        return v.equals(DATE_MINUS_INFINITY) ? LocalDate.MIN : v;
    }

    private static LocalDateTime timestamp(LocalDateTime v) {
        if (v.equals(TIMESTAMP_INFINITY)) {
            return LocalDateTime.MAX;
        }
        if (v.equals(TIMESTAMP_MINUS_INFINITY)) {
            return LocalDateTime.MIN;
        }
        return v.truncatedTo(ChronoUnit.MICROS); // TIMESTAMP_NS carries nanoseconds PostgreSQL cannot hold
    }

    private static OffsetDateTime timestamptz(OffsetDateTime v) {
        LocalDateTime utc = v.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        if (utc.equals(TIMESTAMP_INFINITY)) {
            return OffsetDateTime.MAX;
        }
        if (utc.equals(TIMESTAMP_MINUS_INFINITY)) {
            return OffsetDateTime.MIN;
        }
        return v.truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Parses DuckDB's interval text ({@code "1 year 2 months -3 days -04:05:06.789"}); DuckDB's JDBC driver has no
     * typed getter for intervals.
     */
    static PgInterval parseInterval(String text) {
        long months = 0;
        long days = 0;
        long micros = 0;
        String[] tokens = text.strip().split("\\s+");
        for (int i = 0; i < tokens.length; i++) {
            String token = tokens[i];
            if (token.indexOf(':') >= 0) {
                micros += parseTime(token);
            } else if (i + 1 < tokens.length) {
                long n = Long.parseLong(token);
                String unit = tokens[++i];
                if (unit.startsWith("year")) {
                    months += n * 12;
                } else if (unit.startsWith("mon")) {
                    months += n;
                } else if (unit.startsWith("day")) {
                    days += n;
                } else {
                    throw new IllegalArgumentException("unexpected interval unit in: " + text);
                }
            } else {
                throw new IllegalArgumentException("unexpected interval text: " + text);
            }
        }
        return new PgInterval(Math.toIntExact(months), Math.toIntExact(days), micros);
    }

    private static long parseTime(String token) {
        boolean negative = token.startsWith("-");
        String[] parts = (negative || token.startsWith("+") ? token.substring(1) : token).split(":");
        long hours = Long.parseLong(parts[0]);
        long minutes = Long.parseLong(parts[1]);
        String secondsText = parts.length > 2 ? parts[2] : "0";
        int dot = secondsText.indexOf('.');
        long seconds = Long.parseLong(dot < 0 ? secondsText : secondsText.substring(0, dot));
        long fraction = 0;
        if (dot >= 0) {
            String digits = (secondsText.substring(dot + 1) + "000000").substring(0, 6);
            fraction = Long.parseLong(digits);
        }
        long micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000L + fraction;
        return negative ? -micros : micros;
    }

    /** An interval as text DuckDB casts to {@code INTERVAL} exactly. */
    static String formatInterval(PgInterval interval) {
        return interval.months() + " months " + interval.days() + " days " + interval.microseconds()
                + " microseconds";
    }

    // ---- JSON for STRUCT, MAP and nested lists ----

    static String toJson(Object value) throws SQLException {
        StringBuilder out = new StringBuilder();
        writeJson(out, value);
        return out.toString();
    }

    private static void writeJson(StringBuilder out, Object v) throws SQLException {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean) {
            out.append(v);
        } else if (v instanceof BigDecimal d) {
            // DuckDB's to_json writes decimals of up to 18 digits as doubles, wider ones exactly.
            out.append(d.precision() <= 18 ? jsonDouble(d.doubleValue()) : d.toPlainString());
        } else if (v instanceof Double || v instanceof Float) {
            out.append(jsonDouble(((Number) v).doubleValue()));
        } else if (v instanceof Number) {
            out.append(v);
        } else if (v instanceof JsonNode) {
            out.append(v); // already JSON text
        } else if (v instanceof DuckDBStruct s) {
            writeJsonObject(out, s.getMap());
        } else if (v instanceof Map<?, ?> m) {
            writeJsonObject(out, m);
        } else if (v instanceof Array a) {
            writeJsonArray(out, (Object[]) a.getArray());
        } else if (v instanceof Object[] a) {
            writeJsonArray(out, a);
        } else if (v instanceof List<?> l) {
            writeJsonArray(out, l.toArray());
        } else if (v instanceof byte[] || v instanceof Blob) {
            byte[] b = bytes(v);
            StringBuilder hex = new StringBuilder("\\x");
            for (byte x : b) {
                hex.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
            }
            writeJsonString(out, hex.toString());
        } else if (v instanceof LocalDateTime t) {
            writeJsonString(out, jsonTimestamp(t));
        } else if (v instanceof Timestamp t) {
            writeJsonString(out, jsonTimestamp(t.toLocalDateTime()));
        } else if (v instanceof LocalTime t) {
            writeJsonString(out, jsonTime(t));
        } else if (v instanceof OffsetDateTime t) {
            int offset = t.getOffset().getTotalSeconds();
            String sign = offset < 0 ? "-" : "+";
            offset = Math.abs(offset);
            String zone = String.format("%s%02d", sign, offset / 3600)
                    + (offset % 3600 == 0 ? "" : String.format(":%02d", offset % 3600 / 60));
            writeJsonString(out, jsonTimestamp(t.toLocalDateTime()) + zone);
        } else {
            writeJsonString(out, v.toString());
        }
    }

    /** A double as DuckDB's to_json writes it: shortest digits, plain from 1e-6 to 1e21, else {@code 1e100}. */
    static String jsonDouble(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        double abs = Math.abs(d);
        if (abs >= 1e-6 && abs < 1e21) {
            String plain = b.toPlainString();
            return plain.indexOf('.') >= 0 ? plain : plain + ".0";
        }
        String digits = b.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - b.scale();
        return (d < 0 ? "-" : "") + digits.charAt(0) + (digits.length() > 1 ? "." + digits.substring(1) : "")
                + "e" + exponent;
    }

    private static String jsonTimestamp(LocalDateTime t) {
        return t.toLocalDate() + " " + jsonTime(t.toLocalTime());
    }

    /** {@code HH:MM:SS[.f]} with the fraction's trailing zeros dropped, as DuckDB prints times. */
    private static String jsonTime(LocalTime t) {
        String base = String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        int micros = t.getNano() / 1000;
        if (micros == 0) {
            return base;
        }
        String fraction = String.format("%06d", micros).replaceFirst("0+$", "");
        return base + "." + fraction;
    }

    private static void writeJsonObject(StringBuilder out, Map<?, ?> map) throws SQLException {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            writeJsonString(out, String.valueOf(e.getKey()));
            out.append(':');
            writeJson(out, e.getValue());
        }
        out.append('}');
    }

    private static void writeJsonArray(StringBuilder out, Object[] elements) throws SQLException {
        out.append('[');
        for (int i = 0; i < elements.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            writeJson(out, elements[i]);
        }
        out.append(']');
    }

    private static void writeJsonString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---- binding ----

    /**
     * Binds a parameter value (of a Java type {@link PgType} documents) to {@code index} (1-based).
     *
     * @param type the parameter's type as reported to the client, to pick the element type of arrays
     */
    static void bind(Connection conn, PreparedStatement ps, int index, Object value, PgType type)
            throws SQLException {
        if (value == null) {
            ps.setObject(index, null);
        } else if (value instanceof String s) {
            ps.setString(index, s);
        } else if (value instanceof LocalDate d && (d.equals(LocalDate.MAX) || d.equals(LocalDate.MIN))) {
            ps.setString(index, d.equals(LocalDate.MAX) ? "infinity" : "-infinity");
        } else if (value instanceof LocalDate d && d.getYear() < 1) {
            // DuckDB's driver binds a BC LocalDate as the same date AD; its text form says BC.
            ps.setString(index, String.format("%04d-%02d-%02d (BC)", 1 - d.getYear(), d.getMonthValue(),
                    d.getDayOfMonth()));
        } else if (value instanceof LocalDateTime t && (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN))) {
            ps.setString(index, t.equals(LocalDateTime.MAX) ? "infinity" : "-infinity");
        } else if (value instanceof OffsetDateTime t
                && (t.equals(OffsetDateTime.MAX) || t.equals(OffsetDateTime.MIN))) {
            ps.setString(index, t.equals(OffsetDateTime.MAX) ? "infinity" : "-infinity");
        } else if (value instanceof Instant i) {
            ps.setObject(index, i.equals(Instant.MAX) || i.equals(Instant.MIN) ? (i.equals(Instant.MAX)
                    ? "infinity" : "-infinity") : OffsetDateTime.ofInstant(i, ZoneOffset.UTC));
        } else if (value instanceof PgInterval interval) {
            ps.setString(index, formatInterval(interval));
        } else if (value instanceof BigDecimal || value instanceof BigInteger) {
            bindNumber(ps, index, value instanceof BigDecimal d ? d : new BigDecimal((BigInteger) value));
        } else if (value instanceof List<?> list) {
            ps.setArray(index, conn.createArrayOf(elementTypeName(type, list), list.toArray()));
        } else {
            // Boolean, Short/Integer/Long, Float/Double, BigDecimal, BigInteger, byte[], UUID, LocalDate,
            // LocalTime, LocalDateTime, OffsetDateTime: the driver binds these with their DuckDB types.
            ps.setObject(index, value);
        }
    }

    /**
     * Binds a numeric so that DuckDB can cast it to whatever the statement needs: DuckDB has no cast from DECIMAL
     * to VARINT, and its driver binds no decimal above 38 digits, so integers go as BIGINT or HUGEINT and anything
     * longer as text, which DuckDB casts exactly.
     */
    private static void bindNumber(PreparedStatement ps, int index, BigDecimal value) throws SQLException {
        BigDecimal v = value.scale() < 0 ? value.setScale(0) : value;
        if (v.scale() == 0) {
            BigInteger i = v.unscaledValue();
            if (i.bitLength() < 64) {
                ps.setLong(index, i.longValue());
                return;
            }
            if (i.bitLength() < 128) {
                ps.setObject(index, i);
                return;
            }
        } else if (v.precision() <= 38) {
            ps.setBigDecimal(index, v);
            return;
        }
        ps.setString(index, v.toPlainString());
    }

    /**
     * The statement with each parameter {@code $n} whose type the client declared but DuckDB could not infer
     * written as {@code ($n::TYPE)}: DuckDB prepares a statement with an unresolved parameter as if it returned
     * rows (an INSERT's Describe would then announce a row), and binds its value with no type to go by.
     *
     * @param unresolved {@code unresolved[i]} is true when DuckDB could not infer {@code $(i+1)}
     * @return the rewritten statement, or null when no declared type applies
     */
    static String castDeclaredParameters(String sql, boolean[] unresolved, List<PgType> declared) {
        return castParameters(sql, n -> n < unresolved.length && unresolved[n] && n < declared.size()
                ? duckTypeName(declared.get(n)) : null);
    }

    /**
     * The statement with each parameter {@code $n} written {@code ($n::TYPE)}, TYPE being {@code duckType} of its
     * 0-based index (null: left as it is).
     *
     * @return the rewritten statement, or null when no parameter got a type
     */
    static String castParameters(String sql, java.util.function.IntFunction<String> duckType) {
        StringBuilder out = new StringBuilder(sql.length() + 32);
        int pos = 0;
        boolean changed = false;
        for (io.buenavista.core.sql.SqlToken t : io.buenavista.core.sql.SqlLexer.tokenize(sql)) {
            if (t.kind() != io.buenavista.core.sql.SqlToken.Kind.PARAMETER) {
                continue;
            }
            int n;
            try {
                n = Integer.parseInt(t.value()) - 1;
            } catch (NumberFormatException e) {
                continue;
            }
            String type = n < 0 ? null : duckType.apply(n);
            if (type == null) {
                continue;
            }
            out.append(sql, pos, t.offset()).append('(').append(t.text()).append("::").append(type).append(')');
            pos = t.end();
            changed = true;
        }
        return changed ? out.append(sql, pos, sql.length()).toString() : null;
    }

    /** DuckDB's name of a PostgreSQL type, or null for types without a faithful DuckDB counterpart. */
    static String duckTypeName(PgType type) {
        if (type == null || type.equals(PgType.UNKNOWN)) {
            return null;
        }
        PgType element = type.elementType();
        if (element != null) {
            String e = duckTypeName(element);
            return e == null ? null : e + "[]";
        }
        return switch (type.name()) {
            case "bool" -> "BOOLEAN";
            case "int2" -> "SMALLINT";
            case "int4" -> "INTEGER";
            case "int8" -> "BIGINT";
            case "float4" -> "FLOAT";
            case "float8" -> "DOUBLE";
            case "date" -> "DATE";
            case "time" -> "TIME";
            case "timestamp" -> "TIMESTAMP";
            case "timestamptz" -> "TIMESTAMPTZ";
            case "interval" -> "INTERVAL";
            case "uuid" -> "UUID";
            case "bytea" -> "BLOB";
            case "text", "varchar", "bpchar" -> "VARCHAR";
            case "json", "jsonb" -> "JSON";
            default -> null; // numeric: DuckDB's bare DECIMAL is DECIMAL(18,3), narrower than PostgreSQL's
        };
    }

    private static String elementTypeName(PgType type, List<?> list) {
        PgType element = type == null ? null : type.elementType();
        if (element == null) {
            Object first = list.stream().filter(java.util.Objects::nonNull).findFirst().orElse(null);
            element = first instanceof Integer ? PgType.INT4 : first instanceof Long ? PgType.INT8
                    : first instanceof Short ? PgType.INT2 : first instanceof Boolean ? PgType.BOOL
                    : first instanceof Double ? PgType.FLOAT8 : first instanceof Float ? PgType.FLOAT4
                    : PgType.TEXT;
        }
        return switch (element.name()) {
            case "bool" -> "BOOLEAN";
            case "int2" -> "SMALLINT";
            case "int4" -> "INTEGER";
            case "int8", "oid" -> "BIGINT";
            case "float4" -> "FLOAT";
            case "float8" -> "DOUBLE";
            case "numeric" -> "DECIMAL";
            case "date" -> "DATE";
            case "time" -> "TIME";
            case "timestamp" -> "TIMESTAMP";
            case "timestamptz" -> "TIMESTAMP WITH TIME ZONE";
            case "uuid" -> "UUID";
            case "bytea" -> "BLOB";
            default -> "VARCHAR";
        };
    }
}
