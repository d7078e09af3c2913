package io.buenavista.api;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A PostgreSQL data type as the wire protocol names it: the OID from {@code pg_type}, its name and its length.
 * The constants are PostgreSQL's built-in types; only these are advertised to clients.
 *
 * <p>Values exchanged with handlers use these Java types (null is SQL NULL):
 * bool {@code Boolean}; int2/int4/int8/oid any {@code Number}; float4/float8 {@code Float}/{@code Double};
 * numeric {@code BigDecimal} (or a {@code Double} for NaN and ±Infinity); text, varchar, bpchar, name, json, jsonb and
 * unknown {@code String}; bytea {@code byte[]}; date {@code LocalDate}; time {@code LocalTime}; timestamp
 * {@code LocalDateTime}; timestamptz {@code OffsetDateTime} or {@code Instant}; interval {@link PgInterval}; uuid
 * {@code UUID}; arrays a {@code java.util.List} of their element's type. {@code MAX}/{@code MIN} of the date and
 * time classes stand for {@code infinity}/{@code -infinity}.
 *
 * @param name       the type's name in {@code pg_type}
 * @param oid        its OID
 * @param length     {@code typlen}: the fixed size in bytes, or -1 for variable length
 * @param elementOid for an array type the OID of its element type, otherwise 0
 */
public record PgType(String name, int oid, int length, int elementOid) {

    public static final PgType BOOL = new PgType("bool", 16, 1, 0);
    public static final PgType BYTEA = new PgType("bytea", 17, -1, 0);
    public static final PgType CHAR = new PgType("char", 18, 1, 0);
    public static final PgType NAME = new PgType("name", 19, 64, 0);
    public static final PgType INT8 = new PgType("int8", 20, 8, 0);
    public static final PgType INT2 = new PgType("int2", 21, 2, 0);
    public static final PgType INT4 = new PgType("int4", 23, 4, 0);
    public static final PgType TEXT = new PgType("text", 25, -1, 0);
    public static final PgType OID = new PgType("oid", 26, 4, 0);
    public static final PgType JSON = new PgType("json", 114, -1, 0);
    public static final PgType FLOAT4 = new PgType("float4", 700, 4, 0);
    public static final PgType FLOAT8 = new PgType("float8", 701, 8, 0);
    public static final PgType UNKNOWN = new PgType("unknown", 705, -2, 0);
    public static final PgType BPCHAR = new PgType("bpchar", 1042, -1, 0);
    public static final PgType VARCHAR = new PgType("varchar", 1043, -1, 0);
    public static final PgType DATE = new PgType("date", 1082, 4, 0);
    public static final PgType TIME = new PgType("time", 1083, 8, 0);
    public static final PgType TIMESTAMP = new PgType("timestamp", 1114, 8, 0);
    public static final PgType TIMESTAMPTZ = new PgType("timestamptz", 1184, 8, 0);
    public static final PgType INTERVAL = new PgType("interval", 1186, 16, 0);
    public static final PgType TIMETZ = new PgType("timetz", 1266, 12, 0);
    public static final PgType NUMERIC = new PgType("numeric", 1700, -1, 0);
    public static final PgType UUID = new PgType("uuid", 2950, 16, 0);
    public static final PgType JSONB = new PgType("jsonb", 3802, -1, 0);
    public static final PgType VOID = new PgType("void", 2278, 4, 0);

    public static final PgType BOOL_ARRAY = array("_bool", 1000, BOOL);
    public static final PgType BYTEA_ARRAY = array("_bytea", 1001, BYTEA);
    public static final PgType INT2_ARRAY = array("_int2", 1005, INT2);
    public static final PgType INT4_ARRAY = array("_int4", 1007, INT4);
    public static final PgType TEXT_ARRAY = array("_text", 1009, TEXT);
    public static final PgType BPCHAR_ARRAY = array("_bpchar", 1014, BPCHAR);
    public static final PgType VARCHAR_ARRAY = array("_varchar", 1015, VARCHAR);
    public static final PgType INT8_ARRAY = array("_int8", 1016, INT8);
    public static final PgType FLOAT4_ARRAY = array("_float4", 1021, FLOAT4);
    public static final PgType FLOAT8_ARRAY = array("_float8", 1022, FLOAT8);
    public static final PgType OID_ARRAY = array("_oid", 1028, OID);
    public static final PgType TIMESTAMP_ARRAY = array("_timestamp", 1115, TIMESTAMP);
    public static final PgType DATE_ARRAY = array("_date", 1182, DATE);
    public static final PgType TIME_ARRAY = array("_time", 1183, TIME);
    public static final PgType TIMESTAMPTZ_ARRAY = array("_timestamptz", 1185, TIMESTAMPTZ);
    public static final PgType INTERVAL_ARRAY = array("_interval", 1187, INTERVAL);
    public static final PgType NUMERIC_ARRAY = array("_numeric", 1231, NUMERIC);
    public static final PgType UUID_ARRAY = array("_uuid", 2951, UUID);
    public static final PgType JSON_ARRAY = array("_json", 199, JSON);
    public static final PgType JSONB_ARRAY = array("_jsonb", 3807, JSONB);
    public static final PgType NAME_ARRAY = array("_name", 1003, NAME);

    private static final Map<Integer, PgType> BY_OID = Stream.of(BOOL, BYTEA, CHAR, NAME, INT8, INT2, INT4, TEXT, OID,
            JSON, FLOAT4, FLOAT8, UNKNOWN, BPCHAR, VARCHAR, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, TIMETZ, NUMERIC,
            UUID, JSONB, VOID, BOOL_ARRAY, BYTEA_ARRAY, INT2_ARRAY, INT4_ARRAY, TEXT_ARRAY, BPCHAR_ARRAY, VARCHAR_ARRAY,
            INT8_ARRAY, FLOAT4_ARRAY, FLOAT8_ARRAY, OID_ARRAY, TIMESTAMP_ARRAY, DATE_ARRAY, TIME_ARRAY,
            TIMESTAMPTZ_ARRAY, INTERVAL_ARRAY, NUMERIC_ARRAY, UUID_ARRAY, JSON_ARRAY, JSONB_ARRAY, NAME_ARRAY)
            .collect(Collectors.toUnmodifiableMap(PgType::oid, Function.identity()));

    private static PgType array(String name, int oid, PgType element) {
        return new PgType(name, oid, -1, element.oid());
    }

    /** The built-in type with this OID, or null when Buena Vista does not know it. */
    public static PgType byOid(int oid) {
        return BY_OID.get(oid);
    }

    /** The built-in array type whose elements are of type {@code element}, or null. */
    public static PgType arrayOf(PgType element) {
        for (PgType t : BY_OID.values()) {
            if (t.elementOid == element.oid) {
                return t;
            }
        }
        return null;
    }

    public boolean isArray() {
        return elementOid != 0;
    }

    /** The element type of an array type, or null. */
    public PgType elementType() {
        return elementOid == 0 ? null : byOid(elementOid);
    }
}
