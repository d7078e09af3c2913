package io.buenavista.core.duckdb;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgInterval;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QuerySession;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static io.buenavista.core.duckdb.DuckDbTestSupport.rows;
import static io.buenavista.core.duckdb.DuckDbTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class DuckDbTypesTest {
    private static DuckDbHandler handler;
    private static QuerySession session;

    @BeforeAll
    static void open() {
        handler = new DuckDbHandler();
        session = handler.open(new DuckDbTestSupport.TestContext());
    }

    @AfterAll
    static void close() {
        session.close();
        handler.close();
    }

    /** The column's type from the description and the value read, for one expression. */
    private static Column column(String expression) {
        try (PreparedQuery q = session.prepare("SELECT " + expression + " AS v", List.of())) {
            return q.columns().get(0);
        }
    }

    private static void assertMapped(String expression, PgType type, Object value) {
        assertEquals(type, column(expression).type(), expression);
        Object actual = single(session, "SELECT " + expression + " AS v");
        if (value instanceof byte[] b) {
            assertArrayEquals(b, (byte[]) actual, expression);
        } else {
            assertEquals(value, actual, expression);
        }
        if (value instanceof List<?> expected) {
            List<?> got = (List<?>) actual;
            for (int i = 0; i < expected.size(); i++) {
                if (expected.get(i) != null) {
                    assertEquals(expected.get(i).getClass(), got.get(i).getClass(), expression);
                }
            }
        } else if (value != null) {
            assertEquals(value.getClass(), actual.getClass(), expression);
        }
    }

    @Test
    void integersAndBooleans() {
        assertMapped("true", PgType.BOOL, Boolean.TRUE);
        assertMapped("(-5)::TINYINT", PgType.INT2, (short) -5);
        assertMapped("255::UTINYINT", PgType.INT2, (short) 255);
        assertMapped("(-32768)::SMALLINT", PgType.INT2, (short) -32768);
        assertMapped("65535::USMALLINT", PgType.INT4, 65535);
        assertMapped("2147483647::INTEGER", PgType.INT4, 2147483647);
        assertMapped("4294967295::UINTEGER", PgType.INT8, 4294967295L);
        assertMapped("(-9223372036854775808)::BIGINT", PgType.INT8, Long.MIN_VALUE);
        assertMapped("18446744073709551615::UBIGINT", PgType.NUMERIC, new BigDecimal("18446744073709551615"));
        assertMapped("(-170141183460469231731687303715884105727)::HUGEINT", PgType.NUMERIC,
                new BigDecimal("-170141183460469231731687303715884105727"));
        assertMapped("340282366920938463463374607431768211455::UHUGEINT", PgType.NUMERIC,
                new BigDecimal("340282366920938463463374607431768211455"));
        assertMapped("'123456789012345678901234567890123456789012345'::VARINT", PgType.NUMERIC,
                new BigDecimal("123456789012345678901234567890123456789012345"));
    }

    @Test
    void floatsAndDecimals() {
        assertMapped("1.5::FLOAT", PgType.FLOAT4, 1.5f);
        assertMapped("'inf'::FLOAT", PgType.FLOAT4, Float.POSITIVE_INFINITY);
        assertMapped("0.1::DOUBLE", PgType.FLOAT8, 0.1d);
        assertMapped("'NaN'::DOUBLE", PgType.FLOAT8, Double.NaN);
        assertMapped("123.45::DECIMAL(10,2)", PgType.NUMERIC, new BigDecimal("123.45"));
        assertMapped("(-1.5)::DECIMAL(38,10)", PgType.NUMERIC, new BigDecimal("-1.5000000000"));
        assertEquals(((10 << 16) | 2) + 4, column("123.45::DECIMAL(10,2)").typeModifier());
        assertEquals(((38 << 16) | 10) + 4, column("1::DECIMAL(38,10)").typeModifier());
        assertEquals(-1, column("1::HUGEINT").typeModifier());
    }

    @Test
    void textBinaryUuidJsonEnum() {
        assertMapped("'héllo ☃'", PgType.TEXT, "héllo ☃");
        assertMapped("'\\x00\\xFFab'::BLOB", PgType.BYTEA, new byte[] {0, (byte) 0xFF, 'a', 'b'});
        UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertMapped("'" + uuid + "'::UUID", PgType.UUID, uuid);
        assertMapped("'{\"a\": [1, 2]}'::JSON", PgType.JSON, "{\"a\": [1, 2]}");
        QuerySession s = session;
        DuckDbTestSupport.command(s, "CREATE TYPE IF NOT EXISTS mood AS ENUM ('sad', 'happy')");
        assertMapped("'happy'::mood", PgType.TEXT, "happy");
        assertMapped("'101'::BIT", PgType.TEXT, "101");
    }

    @Test
    void datesAndTimes() {
        assertMapped("DATE '2024-02-29'", PgType.DATE, LocalDate.of(2024, 2, 29));
        assertMapped("'infinity'::DATE", PgType.DATE, LocalDate.MAX);
        assertMapped("'-infinity'::DATE", PgType.DATE, LocalDate.MIN);
        assertMapped("DATE '0001-01-01' - 1", PgType.DATE, LocalDate.of(0, 12, 31));
        assertMapped("TIME '23:59:59.999999'", PgType.TIME, LocalTime.of(23, 59, 59, 999_999_000));
        assertMapped("'12:34:56.123456789'::TIME_NS", PgType.TIME, LocalTime.of(12, 34, 56, 123_456_000));
        assertMapped("TIMESTAMP '2024-02-29 12:34:56.789012'", PgType.TIMESTAMP,
                LocalDateTime.of(2024, 2, 29, 12, 34, 56, 789_012_000));
        assertMapped("'infinity'::TIMESTAMP", PgType.TIMESTAMP, LocalDateTime.MAX);
        assertMapped("'-infinity'::TIMESTAMP", PgType.TIMESTAMP, LocalDateTime.MIN);
        assertMapped("TIMESTAMP_S '2024-01-01 01:02:03'", PgType.TIMESTAMP, LocalDateTime.of(2024, 1, 1, 1, 2, 3));
        assertMapped("TIMESTAMP_MS '2024-01-01 01:02:03.456'", PgType.TIMESTAMP,
                LocalDateTime.of(2024, 1, 1, 1, 2, 3, 456_000_000));
        assertMapped("TIMESTAMP_NS '2024-01-01 01:02:03.123456789'", PgType.TIMESTAMP,
                LocalDateTime.of(2024, 1, 1, 1, 2, 3, 123_456_000));
        OffsetDateTime tz = (OffsetDateTime) single(session, "SELECT TIMESTAMPTZ '2024-02-29 12:34:56.789012+02'");
        assertEquals(OffsetDateTime.of(2024, 2, 29, 10, 34, 56, 789_012_000, ZoneOffset.UTC).toInstant(),
                tz.toInstant());
        assertEquals(PgType.TIMESTAMPTZ, column("TIMESTAMPTZ '2024-01-01 00:00:00+00'").type());
        assertMapped("'infinity'::TIMESTAMPTZ", PgType.TIMESTAMPTZ, OffsetDateTime.MAX);
        assertMapped("'-infinity'::TIMESTAMPTZ", PgType.TIMESTAMPTZ, OffsetDateTime.MIN);
    }

    @Test
    void intervals() {
        assertMapped("INTERVAL '1 year 2 months 3 days 04:05:06.789'", PgType.INTERVAL,
                new PgInterval(14, 3, ((4 * 60 + 5) * 60 + 6) * 1_000_000L + 789_000));
        assertMapped("INTERVAL '1 month -2 days'", PgType.INTERVAL, new PgInterval(1, -2, 0));
        assertMapped("INTERVAL '-1 year -2 months'", PgType.INTERVAL, new PgInterval(-14, 0, 0));
        assertMapped("INTERVAL '-04:05:06.000001'", PgType.INTERVAL,
                new PgInterval(0, 0, -(((4 * 60 + 5) * 60 + 6) * 1_000_000L + 1)));
        assertMapped("INTERVAL '100 hours'", PgType.INTERVAL, new PgInterval(0, 0, 360_000_000_000L));
        assertMapped("INTERVAL '0 seconds'", PgType.INTERVAL, PgInterval.ZERO);
        assertMapped("INTERVAL '-1 day 1 hour'", PgType.INTERVAL, new PgInterval(0, -1, 3_600_000_000L));
        assertMapped("INTERVAL '1000 years'", PgType.INTERVAL, new PgInterval(12000, 0, 0));
    }

    @Test
    void listsOfScalarsAreArrays() {
        assertMapped("[1, 2, NULL]", PgType.INT4_ARRAY, Arrays.asList(1, 2, null));
        assertMapped("[1::TINYINT]", PgType.INT2_ARRAY, List.of((short) 1));
        assertMapped("[1::BIGINT]", PgType.INT8_ARRAY, List.of(1L));
        assertMapped("['a', 'b']", PgType.TEXT_ARRAY, List.of("a", "b"));
        assertMapped("[true]", PgType.BOOL_ARRAY, List.of(true));
        assertMapped("[1.5, 2.5]::DOUBLE[]", PgType.FLOAT8_ARRAY, List.of(1.5d, 2.5d));
        assertMapped("[1.5::DECIMAL(4,1)]", PgType.NUMERIC_ARRAY, List.of(new BigDecimal("1.5")));
        assertMapped("[1::HUGEINT]", PgType.NUMERIC_ARRAY, List.of(BigDecimal.ONE));
        assertMapped("[DATE '2024-01-01']", PgType.DATE_ARRAY, List.of(LocalDate.of(2024, 1, 1)));
        assertMapped("[INTERVAL '1 day']", PgType.INTERVAL_ARRAY, List.of(new PgInterval(0, 1, 0)));
        UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertMapped("['" + uuid + "'::UUID]", PgType.UUID_ARRAY, List.of(uuid));
        assertMapped("[1, 2]::INTEGER[2]", PgType.INT4_ARRAY, List.of(1, 2));
        assertEquals(PgType.TIMESTAMPTZ_ARRAY, column("[TIMESTAMPTZ '2024-01-01 00:00:00+00']").type());
        assertMapped("[TIMESTAMP '2024-01-01 01:02:03']", PgType.TIMESTAMP_ARRAY,
                List.of(LocalDateTime.of(2024, 1, 1, 1, 2, 3)));
        List<?> blobs = (List<?>) single(session, "SELECT ['\\x01'::BLOB]");
        assertArrayEquals(new byte[] {1}, (byte[]) blobs.get(0));
    }

    @Test
    void structsMapsAndNestedListsAreJson() {
        assertMapped("{'x': 1, 'y': 'z\"q'}", PgType.JSON, "{\"x\":1,\"y\":\"z\\\"q\"}");
        assertMapped("MAP {'k': 1}", PgType.JSON, "{\"k\":1}");
        assertMapped("[[1, 2], [3]]", PgType.JSON, "[[1,2],[3]]");
        assertMapped("[{'a': 1.5::DECIMAL(3,1)}]", PgType.JSON, "[{\"a\":1.5}]");
        assertMapped("{'d': DATE '2024-01-01', 'n': NULL}", PgType.JSON, "{\"d\":\"2024-01-01\",\"n\":null}");
    }

    @Test
    void otherTypesAreText() {
        assertEquals(PgType.TEXT, column("union_value(a := 1)").type());
        assertEquals(PgType.TEXT, column("TIMETZ '12:00:00+02'").type());
        assertMapped("NULL", PgType.TEXT, null);
        assertNull(single(session, "SELECT NULL::INTEGER"));
        assertEquals(PgType.INT4, column("NULL::INTEGER").type());
    }

    @Test
    void parametersRoundTripByJavaType() {
        UUID uuid = UUID.randomUUID();
        List<Object> values = Arrays.asList(Boolean.TRUE, (short) 7, 8, 9L, 1.5f, 2.5d, new BigDecimal("12345.678"),
                "text", new byte[] {1, 2}, LocalDate.of(2024, 2, 29), LocalTime.of(1, 2, 3, 4000),
                LocalDateTime.of(2024, 2, 29, 1, 2, 3, 5000), uuid, new PgInterval(1, 2, 3), null);
        String sql = "SELECT $1::BOOLEAN, $2::SMALLINT, $3::INTEGER, $4::BIGINT, $5::FLOAT, $6::DOUBLE, "
                + "$7::DECIMAL(10,3), $8::VARCHAR, $9::BLOB, $10::DATE, $11::TIME, $12::TIMESTAMP, $13::UUID, "
                + "$14::INTERVAL, $15::INTEGER";
        List<Object> row = rows(session, sql, values.toArray()).get(0);
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) instanceof byte[] b) {
                assertArrayEquals(b, (byte[]) row.get(i));
            } else {
                assertEquals(values.get(i), row.get(i), "parameter " + (i + 1));
            }
        }
        OffsetDateTime odt = OffsetDateTime.of(2024, 2, 29, 1, 2, 3, 0, ZoneOffset.ofHours(2));
        OffsetDateTime back = (OffsetDateTime) single(session, "SELECT $1::TIMESTAMPTZ", odt);
        assertEquals(odt.toInstant(), back.toInstant());
        assertEquals(LocalDate.MAX, single(session, "SELECT $1::DATE", LocalDate.MAX));
        assertEquals(LocalDateTime.MIN, single(session, "SELECT $1::TIMESTAMP", LocalDateTime.MIN));
    }

    @Test
    void arrayParameters() {
        try (PreparedQuery q = session.prepare("SELECT $1::INTEGER[] AS a, $2::VARCHAR[] AS b",
                List.of(PgType.INT4_ARRAY, PgType.TEXT_ARRAY))) {
            assertEquals(List.of(PgType.INT4_ARRAY, PgType.TEXT_ARRAY), q.parameterTypes());
            var rows = DuckDbTestSupport.readAll(assertInstanceOf(ExecutionResult.Rows.class,
                    q.execute(List.of(List.of(1, 2), Arrays.asList("x", null)))));
            assertEquals(List.of(List.of(1, 2), Arrays.asList("x", null)), rows.get(0));
        }
    }
}
