package io.buenavista.core.types;

import io.buenavista.api.PgInterval;
import io.buenavista.api.PgType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;

import static io.buenavista.core.types.PostgresOracle.ctx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every codec against the real PostgreSQL 15: for each value, our text and binary output must equal PostgreSQL's
 * byte for byte, and decoding PostgreSQL's output must give the value back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CodecsMatchPostgresTest {
    private static final TypeContext UTC = TypeContext.DEFAULT;
    private final CodecRegistry registry = CodecRegistry.standard();
    private PostgresOracle pg;

    @BeforeAll
    void connect() throws SQLException {
        pg = new PostgresOracle();
    }

    @AfterAll
    void disconnect() throws SQLException {
        pg.close();
    }

    static byte[] text(Codec codec, Object value, TypeContext ctx) {
        ByteArraySink sink = new ByteArraySink();
        codec.encodeText(value, sink, ctx);
        return sink.toByteArray();
    }

    static byte[] binary(Codec codec, Object value, TypeContext ctx) {
        ByteArraySink sink = new ByteArraySink();
        codec.encodeBinary(value, sink, ctx);
        return sink.toByteArray();
    }

    /** Compares decoded values: BigDecimals by value and display scale, arrays and lists element-wise. */
    static void assertSameValue(Object expected, Object actual, String what) {
        if (expected instanceof BigDecimal e && actual instanceof BigDecimal a) {
            assertEquals(0, e.compareTo(a), what + ": " + e + " vs " + a);
            assertEquals(Math.max(0, e.scale()), a.scale(), what + " scale");
        } else if (expected instanceof byte[] e && actual instanceof byte[] a) {
            assertArrayEquals(e, a, what);
        } else if (expected instanceof List<?> e && actual instanceof List<?> a) {
            assertEquals(e.size(), a.size(), what + " size");
            for (int i = 0; i < e.size(); i++) {
                if (e.get(i) == null || a.get(i) == null) {
                    assertEquals(e.get(i), a.get(i), what + "[" + i + "]");
                } else {
                    assertSameValue(e.get(i), a.get(i), what + "[" + i + "]");
                }
            }
        } else if (expected instanceof OffsetDateTime e && actual instanceof OffsetDateTime a) {
            assertEquals(e.toInstant(), a.toInstant(), what);
        } else {
            assertEquals(expected, actual, what);
        }
    }

    /** The four-way check: encode text and binary as PostgreSQL does, and decode PostgreSQL's output back. */
    private void check(PgType type, String literal, Object value, TypeContext ctx) throws SQLException {
        pg.use(ctx);
        Codec codec = registry.codec(type);
        String pgText = pg.text(type.oid(), literal);
        byte[] pgBinary = pg.binary(type.oid(), literal);
        assertEquals(pgText, new String(text(codec, value, ctx), StandardCharsets.UTF_8), "text of " + literal);
        assertArrayEquals(pgBinary, binary(codec, value, ctx), "binary of " + literal);
        assertSameValue(value, codec.decodeText(pgText, ctx), "decodeText of " + pgText);
        assertSameValue(value, codec.decodeBinary(pgBinary, 0, pgBinary.length, ctx), "decodeBinary of " + literal);
        // Decoding with padding around the value checks that offsets are honoured.
        byte[] padded = new byte[pgBinary.length + 6];
        System.arraycopy(pgBinary, 0, padded, 3, pgBinary.length);
        assertSameValue(value, codec.decodeBinary(padded, 3, pgBinary.length, ctx), "decodeBinary at offset");
    }

    static Stream<Arguments> values() {
        UUID u = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        return Stream.of(
                arguments(PgType.BOOL, "true", true),
                arguments(PgType.BOOL, "false", false),
                arguments(PgType.INT2, "0", (short) 0),
                arguments(PgType.INT2, "-32768", Short.MIN_VALUE),
                arguments(PgType.INT2, "32767", Short.MAX_VALUE),
                arguments(PgType.INT4, "-2147483648", Integer.MIN_VALUE),
                arguments(PgType.INT4, "2147483647", Integer.MAX_VALUE),
                arguments(PgType.INT4, "42", 42),
                arguments(PgType.INT8, "-9223372036854775808", Long.MIN_VALUE),
                arguments(PgType.INT8, "9223372036854775807", Long.MAX_VALUE),
                arguments(PgType.INT8, "1234567890123", 1234567890123L),
                arguments(PgType.INT8, "-7", -7L),
                arguments(PgType.OID, "0", 0L),
                arguments(PgType.OID, "4294967295", 4294967295L),
                arguments(PgType.OID, "2147483648", 2147483648L),
                arguments(PgType.FLOAT8, "0", 0.0),
                arguments(PgType.FLOAT8, "-0", -0.0),
                arguments(PgType.FLOAT8, "1e10", 1e10),
                arguments(PgType.FLOAT8, "1e15", 1e15),
                arguments(PgType.FLOAT8, "123456789012345", 123456789012345.0),
                arguments(PgType.FLOAT8, "1.5", 1.5),
                arguments(PgType.FLOAT8, "0.1", 0.1),
                arguments(PgType.FLOAT8, "0.0001", 1e-4),
                arguments(PgType.FLOAT8, "1e-5", 1e-5),
                arguments(PgType.FLOAT8, "1.23456789012e20", 1.23456789012e20),
                arguments(PgType.FLOAT8, "2.82879384806159e17", 2.82879384806159e17),
                arguments(PgType.FLOAT8, "1e23", 1e23),
                arguments(PgType.FLOAT8, "5e-324", Double.MIN_VALUE),
                arguments(PgType.FLOAT8, "1.7976931348623157e308", Double.MAX_VALUE),
                arguments(PgType.FLOAT8, "2.2250738585072014e-308", Double.MIN_NORMAL),
                arguments(PgType.FLOAT8, "-123.456", -123.456),
                arguments(PgType.FLOAT8, "NaN", Double.NaN),
                arguments(PgType.FLOAT8, "Infinity", Double.POSITIVE_INFINITY),
                arguments(PgType.FLOAT8, "-Infinity", Double.NEGATIVE_INFINITY),
                arguments(PgType.FLOAT4, "1e10", 1e10f),
                arguments(PgType.FLOAT4, "123456", 123456f),
                arguments(PgType.FLOAT4, "1234567", 1234567f),
                arguments(PgType.FLOAT4, "0.1", 0.1f),
                arguments(PgType.FLOAT4, "3.4028235e38", Float.MAX_VALUE),
                arguments(PgType.FLOAT4, "1.4e-45", Float.MIN_VALUE),
                arguments(PgType.FLOAT4, "-0", -0.0f),
                arguments(PgType.FLOAT4, "NaN", Float.NaN),
                arguments(PgType.FLOAT4, "-Infinity", Float.NEGATIVE_INFINITY),
                arguments(PgType.NUMERIC, "0", BigDecimal.ZERO),
                arguments(PgType.NUMERIC, "0.000", new BigDecimal("0.000")),
                arguments(PgType.NUMERIC, "-12345.678", new BigDecimal("-12345.678")),
                arguments(PgType.NUMERIC, "1e20", new BigDecimal("1E+20")),
                arguments(PgType.NUMERIC, "0.00001", new BigDecimal("0.00001")),
                arguments(PgType.NUMERIC, "10000", new BigDecimal("10000")),
                arguments(PgType.NUMERIC, "9999.9999", new BigDecimal("9999.9999")),
                arguments(PgType.NUMERIC, "1.50", new BigDecimal("1.50")),
                arguments(PgType.NUMERIC, "-0.1", new BigDecimal("-0.1")),
                arguments(PgType.NUMERIC, "123456789012345678901234567890.123456789",
                        new BigDecimal("123456789012345678901234567890.123456789")),
                arguments(PgType.NUMERIC, "0.000000000000000000000000000001", new BigDecimal("1E-30")),
                arguments(PgType.NUMERIC, "NaN", Double.NaN),
                arguments(PgType.NUMERIC, "Infinity", Double.POSITIVE_INFINITY),
                arguments(PgType.NUMERIC, "-Infinity", Double.NEGATIVE_INFINITY),
                arguments(PgType.TEXT, "", ""),
                arguments(PgType.TEXT, "hello, world", "hello, world"),
                arguments(PgType.TEXT, "é ü 日本 \uD83D\uDE00 'q' \\", "é ü 日本 \uD83D\uDE00 'q' \\"),
                arguments(PgType.VARCHAR, "abc", "abc"),
                arguments(PgType.NAME, "pg_catalog", "pg_catalog"),
                arguments(PgType.BPCHAR, "ab", "ab"),
                arguments(PgType.CHAR, "x", "x"),
                arguments(PgType.JSON, "{\"a\": [1, 2, null]}", "{\"a\": [1, 2, null]}"),
                arguments(PgType.JSONB, "{\"a\": [1, 2, null], \"b\": \"é\"}", "{\"a\": [1, 2, null], \"b\": \"é\"}"),
                arguments(PgType.BYTEA, "\\x", new byte[0]),
                arguments(PgType.BYTEA, "\\x00ff7f80", new byte[] {0, -1, 127, -128}),
                arguments(PgType.UUID, u.toString(), u),
                arguments(PgType.UUID, "00000000-0000-0000-0000-000000000000", new UUID(0, 0)),
                arguments(PgType.UUID, "ffffffff-ffff-ffff-ffff-ffffffffffff", new UUID(-1, -1)),
                arguments(PgType.DATE, "2024-02-29", LocalDate.of(2024, 2, 29)),
                arguments(PgType.DATE, "2000-01-01", LocalDate.of(2000, 1, 1)),
                arguments(PgType.DATE, "1999-12-31", LocalDate.of(1999, 12, 31)),
                arguments(PgType.DATE, "0044-03-15 BC", LocalDate.of(-43, 3, 15)),
                arguments(PgType.DATE, "0001-01-01 BC", LocalDate.of(0, 1, 1)),
                arguments(PgType.DATE, "4714-11-24 BC", LocalDate.of(-4713, 11, 24)),
                arguments(PgType.DATE, "5874897-12-31", LocalDate.of(5874897, 12, 31)),
                arguments(PgType.DATE, "10000-01-01", LocalDate.of(10000, 1, 1)),
                arguments(PgType.DATE, "infinity", LocalDate.MAX),
                arguments(PgType.DATE, "-infinity", LocalDate.MIN),
                arguments(PgType.TIME, "00:00", LocalTime.MIDNIGHT),
                arguments(PgType.TIME, "11:14:15.123", LocalTime.of(11, 14, 15, 123_000_000)),
                arguments(PgType.TIME, "23:59:59.999999", LocalTime.of(23, 59, 59, 999_999_000)),
                arguments(PgType.TIME, "12:00:00.000001", LocalTime.of(12, 0, 0, 1000)),
                arguments(PgType.TIME, "24:00:00", LocalTime.MAX),
                arguments(PgType.TIMESTAMP, "2024-02-29 11:14:15.5", LocalDateTime.of(2024, 2, 29, 11, 14, 15, 500_000_000)),
                arguments(PgType.TIMESTAMP, "2000-01-01 00:00", LocalDateTime.of(2000, 1, 1, 0, 0)),
                arguments(PgType.TIMESTAMP, "1969-12-31 23:59:59.999999",
                        LocalDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000)),
                arguments(PgType.TIMESTAMP, "0044-03-15 12:00:00 BC", LocalDateTime.of(-43, 3, 15, 12, 0)),
                arguments(PgType.TIMESTAMP, "4714-11-24 00:00:00 BC", LocalDateTime.of(-4713, 11, 24, 0, 0)),
                arguments(PgType.TIMESTAMP, "294276-12-31 23:59:59.999999",
                        LocalDateTime.of(294276, 12, 31, 23, 59, 59, 999_999_000)),
                arguments(PgType.TIMESTAMP, "infinity", LocalDateTime.MAX),
                arguments(PgType.TIMESTAMP, "-infinity", LocalDateTime.MIN),
                arguments(PgType.TIMESTAMPTZ, "2024-02-29 11:14:15.5+00",
                        OffsetDateTime.of(2024, 2, 29, 11, 14, 15, 500_000_000, ZoneOffset.UTC)),
                arguments(PgType.TIMESTAMPTZ, "0044-03-15 12:00:00+00 BC",
                        OffsetDateTime.of(-43, 3, 15, 12, 0, 0, 0, ZoneOffset.UTC)),
                arguments(PgType.TIMESTAMPTZ, "infinity", OffsetDateTime.MAX),
                arguments(PgType.TIMESTAMPTZ, "-infinity", OffsetDateTime.MIN),
                arguments(PgType.INTERVAL, "1 year 2 mons 3 days 04:05:06.789", new PgInterval(14, 3, 14_706_789_000L)),
                arguments(PgType.INTERVAL, "-1 days +02:00:00", new PgInterval(0, -1, 7_200_000_000L)),
                arguments(PgType.INTERVAL, "0", PgInterval.ZERO),
                arguments(PgType.INTERVAL, "-1 year -2 mons", new PgInterval(-14, 0, 0)),
                arguments(PgType.INTERVAL, "-00:00:01.5", new PgInterval(0, 0, -1_500_000L)),
                arguments(PgType.INTERVAL, "100 hours", new PgInterval(0, 0, 360_000_000_000L)),
                arguments(PgType.INTERVAL, "1 mon -1 days", new PgInterval(1, -1, 0)),
                arguments(PgType.INTERVAL, "1 day -00:00:01", new PgInterval(0, 1, -1_000_000L)),
                arguments(PgType.INTERVAL, "-3 days -01:00:00", new PgInterval(0, -3, -3_600_000_000L)),
                arguments(PgType.INTERVAL, "1 mon", new PgInterval(1, 0, 0)),
                arguments(PgType.INTERVAL, "1 year", new PgInterval(12, 0, 0)),
                arguments(PgType.INTERVAL, "-1 mons +1 day", new PgInterval(-1, 1, 0)),
                arguments(PgType.INTERVAL, "00:00:00.000001", new PgInterval(0, 0, 1)),
                arguments(PgType.INT4_ARRAY, "{1,2,NULL}", Arrays.asList(1, 2, null)),
                arguments(PgType.INT4_ARRAY, "{}", List.of()),
                arguments(PgType.INT2_ARRAY, "{-1,32767}", List.of((short) -1, (short) 32767)),
                arguments(PgType.INT8_ARRAY, "{9223372036854775807,NULL}", Arrays.asList(Long.MAX_VALUE, null)),
                arguments(PgType.TEXT_ARRAY, "{\"\",\"a b\",\"null\",\"NULL\",\"x\\\"y\",\"a\\\\b\",\"{\",\",\",é,plain,NULL}",
                        Arrays.asList("", "a b", "null", "NULL", "x\"y", "a\\b", "{", ",", "é", "plain", null)),
                arguments(PgType.TEXT_ARRAY, "{\"tab\there\",\"}\"}", List.of("tab\there", "}")),
                arguments(PgType.VARCHAR_ARRAY, "{a,NuLl2}", List.of("a", "NuLl2")),
                arguments(PgType.FLOAT8_ARRAY, "{1.5,NaN,-Infinity,1e+20,0.1}",
                        List.of(1.5, Double.NaN, Double.NEGATIVE_INFINITY, 1e20, 0.1)),
                arguments(PgType.FLOAT4_ARRAY, "{1.5,1e+07}", List.of(1.5f, 1e7f)),
                arguments(PgType.BOOL_ARRAY, "{t,f,NULL}", Arrays.asList(true, false, null)),
                arguments(PgType.NUMERIC_ARRAY, "{1.5,NaN,-0.001}",
                        List.of(new BigDecimal("1.5"), Double.NaN, new BigDecimal("-0.001"))),
                arguments(PgType.DATE_ARRAY, "{2024-02-29,infinity,\"0044-03-15 BC\"}",
                        List.of(LocalDate.of(2024, 2, 29), LocalDate.MAX, LocalDate.of(-43, 3, 15))),
                arguments(PgType.TIMESTAMP_ARRAY, "{\"2024-01-01 10:00:00\",NULL}",
                        Arrays.asList(LocalDateTime.of(2024, 1, 1, 10, 0), null)),
                arguments(PgType.TIMESTAMPTZ_ARRAY, "{\"2024-01-01 10:00:00+00\"}",
                        List.of(OffsetDateTime.of(2024, 1, 1, 10, 0, 0, 0, ZoneOffset.UTC))),
                arguments(PgType.UUID_ARRAY, "{" + u + "}", List.of(u)),
                arguments(PgType.BYTEA_ARRAY, "{\"\\\\x01ff\",NULL}", Arrays.asList(new byte[] {1, -1}, null)),
                arguments(PgType.INTERVAL_ARRAY, "{\"1 day\"}", List.of(new PgInterval(0, 1, 0))),
                arguments(PgType.JSONB_ARRAY, "{\"{\\\"a\\\": 1}\"}", List.of("{\"a\": 1}")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("values")
    void encodesAndDecodesLikePostgres(PgType type, String literal, Object value) throws SQLException {
        check(type, literal, value, UTC);
    }

    static Stream<Arguments> zonedTimestamps() {
        return Stream.of(
                arguments("Asia/Kolkata", "2024-02-29 11:14:15.5+00", Instant.parse("2024-02-29T11:14:15.5Z")),
                arguments("America/Sao_Paulo", "2024-02-29 11:14:15Z", Instant.parse("2024-02-29T11:14:15Z")),
                arguments("America/New_York", "1880-01-01 00:00:00Z", Instant.parse("1880-01-01T00:00:00Z")),
                arguments("America/New_York", "2024-07-01 12:00:00Z", Instant.parse("2024-07-01T12:00:00Z")),
                arguments("America/New_York", "2024-01-01 12:00:00Z", Instant.parse("2024-01-01T12:00:00Z")),
                arguments("Asia/Kathmandu", "1999-12-31 23:59:59.999999Z", Instant.parse("1999-12-31T23:59:59.999999Z")),
                arguments("Pacific/Chatham", "2024-03-01 00:00:00Z", Instant.parse("2024-03-01T00:00:00Z")),
                arguments("America/St_Johns", "0044-03-15 12:00:00Z BC", Instant.parse("-0043-03-15T12:00:00Z")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("zonedTimestamps")
    void timestamptzIsRenderedInTheSessionTimeZone(String zone, String literal, Instant instant) throws SQLException {
        TypeContext ctx = ctx(zone, 1);
        check(PgType.TIMESTAMPTZ, literal, instant.atOffset(ctx.timeZone().getRules().getOffset(instant)), ctx);
        // An Instant encodes the same way and decodes as the OffsetDateTime of the session's zone.
        Codec codec = registry.codec(PgType.TIMESTAMPTZ);
        assertEquals(pg.text(PgType.TIMESTAMPTZ.oid(), literal), new String(text(codec, instant, ctx), StandardCharsets.UTF_8));
        assertArrayEquals(pg.binary(PgType.TIMESTAMPTZ.oid(), literal), binary(codec, instant, ctx));
    }

    /** Many random doubles and floats at once: the shortest-digits output must be PostgreSQL's for all of them. */
    @ParameterizedTest(name = "extra_float_digits={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 3, 0, -3, -15})
    void floatTextMatchesPostgresForRandomValues(int efd) throws SQLException {
        TypeContext ctx = ctx("UTC", efd);
        pg.use(ctx);
        Random random = new Random(42 + efd);
        List<Double> doubles = new ArrayList<>();
        List<Float> floats = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            doubles.add(switch (i % 4) {
                case 0 -> Double.longBitsToDouble(random.nextLong());
                case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
                case 2 -> (double) Math.round(random.nextDouble() * 1e6) / 1000;
                default -> Math.scalb(1.0, random.nextInt(2000) - 1000);
            });
            floats.add(switch (i % 4) {
                case 0 -> Float.intBitsToFloat(random.nextInt());
                case 1 -> (float) (random.nextDouble() * Math.pow(10, random.nextInt(20) - 10));
                case 2 -> (float) Math.round(random.nextDouble() * 1e5) / 100;
                default -> Math.scalb(1.0f, random.nextInt(250) - 125);
            });
        }
        compareFloats(PgType.FLOAT8, doubles, ctx);
        compareFloats(PgType.FLOAT4, floats, ctx);
    }

    private void compareFloats(PgType type, List<? extends Number> values, TypeContext ctx) throws SQLException {
        List<String> literals = new ArrayList<>();
        for (Number n : values) {
            literals.add(n.toString()); // Java's output always reads back to the same value
        }
        List<String> expected = pg.texts(type.oid(), literals);
        Codec codec = registry.codec(type);
        for (int i = 0; i < values.size(); i++) {
            assertEquals(expected.get(i), new String(text(codec, values.get(i), ctx), StandardCharsets.UTF_8),
                    type.name() + " " + literals.get(i));
            if (ctx.extraFloatDigits() > 0) {
                assertEquals(values.get(i), codec.decodeText(expected.get(i), ctx), "read back " + expected.get(i));
            }
        }
    }

    @Test
    void bytesOfAllValuesRoundTrip() throws SQLException {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        StringBuilder hex = new StringBuilder("\\x");
        for (byte b : all) {
            hex.append(String.format("%02x", b & 0xFF));
        }
        check(PgType.BYTEA, hex.toString(), all, UTC);
    }

    @Test
    void numbersOfOtherJavaTypesAreAccepted() throws SQLException {
        pg.use(UTC);
        assertArrayEquals(pg.binary(PgType.INT4.oid(), "7"), binary(registry.codec(PgType.INT4), 7L, UTC));
        assertArrayEquals(pg.binary(PgType.INT2.oid(), "7"), binary(registry.codec(PgType.INT2), 7, UTC));
        assertArrayEquals(pg.binary(PgType.INT8.oid(), "7"), binary(registry.codec(PgType.INT8), (short) 7, UTC));
        assertArrayEquals(pg.binary(PgType.INT8.oid(), "12345678901234567"),
                binary(registry.codec(PgType.INT8), new java.math.BigInteger("12345678901234567"), UTC));
        assertArrayEquals(pg.binary(PgType.OID.oid(), "4294967295"), binary(registry.codec(PgType.OID), -1, UTC));
        assertArrayEquals(pg.binary(PgType.NUMERIC.oid(), "123456789012345678901234567890"),
                binary(registry.codec(PgType.NUMERIC), new java.math.BigInteger("123456789012345678901234567890"), UTC));
        assertArrayEquals(pg.binary(PgType.NUMERIC.oid(), "42"), binary(registry.codec(PgType.NUMERIC), 42, UTC));
        assertArrayEquals(pg.binary(PgType.NUMERIC.oid(), "0.1"), binary(registry.codec(PgType.NUMERIC), 0.1, UTC));
        assertArrayEquals(pg.binary(PgType.FLOAT8.oid(), "3"), binary(registry.codec(PgType.FLOAT8), 3, UTC));
        assertArrayEquals(pg.binary(PgType.FLOAT4.oid(), "0.5"), binary(registry.codec(PgType.FLOAT4), 0.5, UTC));
        assertEquals("3", new String(text(registry.codec(PgType.FLOAT8), 3L, UTC), StandardCharsets.UTF_8));
        assertEquals("12", new String(text(registry.codec(PgType.INT4), 12L, UTC), StandardCharsets.UTF_8));
    }

    @Test
    void stringValuesAreTheTextForm() throws SQLException {
        pg.use(UTC);
        String[][] cases = {{"int4", "42"}, {"float8", "1.5"}, {"numeric", "-1.25"}, {"timestamp", "2024-02-29 11:14:15.5"},
                {"date", "2024-02-29"}, {"interval", "1 day 02:00:00"}, {"bool", "t"}, {"uuid",
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {"_int4", "{1,2,NULL}"}, {"bytea", "\\x0102"}};
        for (String[] c : cases) {
            PgType type = Stream.of(PgType.INT4, PgType.FLOAT8, PgType.NUMERIC, PgType.TIMESTAMP, PgType.DATE,
                    PgType.INTERVAL, PgType.BOOL, PgType.UUID, PgType.INT4_ARRAY, PgType.BYTEA)
                    .filter(t -> t.name().equals(c[0])).findFirst().orElseThrow();
            Codec codec = registry.codec(type);
            assertEquals(c[1], new String(text(codec, c[1], UTC), StandardCharsets.UTF_8));
            assertArrayEquals(pg.binary(type.oid(), c[1]), binary(codec, c[1], UTC), c[0]);
        }
    }

    @Test
    void unknownOidsGetATextOnlyCodec() {
        Codec codec = registry.codec(999_999);
        assertEquals(999_999, codec.type().oid());
        assertTrue(!codec.hasBinary());
        assertEquals("17", new String(text(codec, 17, UTC), StandardCharsets.UTF_8));
        assertEquals("abc", codec.decodeText("abc", UTC));
        assertEquals("0A000", org.junit.jupiter.api.Assertions.assertThrows(io.buenavista.api.PgException.class,
                () -> binary(codec, "x", UTC)).sqlState());
        assertTrue(registry.codec(PgType.TIMETZ.oid()) instanceof TextOnlyCodec);
        assertEquals(PgType.INT4, registry.codec(PgType.INT4.oid()).type());
    }

    @Test
    void nanosecondsAreRoundedToMicroseconds() throws SQLException {
        check(PgType.TIMESTAMP, "2024-01-01 00:00:00.000002", LocalDateTime.of(2024, 1, 1, 0, 0, 0, 2000), UTC);
        Codec codec = registry.codec(PgType.TIMESTAMP);
        assertEquals("2024-01-01 00:00:00.000002",
                new String(text(codec, LocalDateTime.of(2024, 1, 1, 0, 0, 0, 1500), UTC), StandardCharsets.UTF_8));
        assertEquals("2024-01-01 00:00:01",
                new String(text(codec, LocalDateTime.of(2024, 1, 1, 0, 0, 0, 999_999_600), UTC), StandardCharsets.UTF_8));
    }
}
