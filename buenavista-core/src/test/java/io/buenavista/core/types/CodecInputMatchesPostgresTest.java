package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Stream;

import static io.buenavista.core.types.PostgresOracle.ctx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Text input: what we read from a string must be what PostgreSQL reads from it (compared through the binary form),
 * and what PostgreSQL rejects we reject with the same SQLSTATE.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CodecInputMatchesPostgresTest {
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

    static Stream<Arguments> accepted() {
        return Stream.of(
                arguments(PgType.BOOL, List.of("t", "TRUE", " yes ", "on", "1", "f", "False", "no", "OFF", "0", "tr", "y", "of")),
                arguments(PgType.INT2, List.of(" 12 ", "-32768", "+7", "007")),
                arguments(PgType.INT4, List.of("-2147483648", " 2147483647", "+0", "\t42\n")),
                arguments(PgType.INT8, List.of("-9223372036854775808", "9223372036854775807", " -1 ")),
                arguments(PgType.OID, List.of("-1", "4294967295", "-2147483648", " 26 ")),
                arguments(PgType.FLOAT8, List.of(" 1.5 ", "1e5", ".5", "5.", "-inf", "+Infinity", "nan", "NaN", "1E-310",
                        "-0", "0.1e1", "1e308", "123456789012345678901234567890")),
                arguments(PgType.FLOAT4, List.of("1.5", "3.4028235e38", "1e-45", "-infinity", " 0.1 ", "16777217")),
                arguments(PgType.NUMERIC, List.of(" 1.50 ", "-0", "-0.000", "1e20", "1.5e-3", ".5", "5.", "+12", "NaN",
                        "-Infinity", "inf", "1e-30", "12345678901234567890.0987654321")),
                arguments(PgType.UUID, List.of("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
                        "a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11")),
                arguments(PgType.BYTEA, List.of("\\x", "\\xDEADbeef", "\\x de ad", "abc", "a\\\\b", "\\000\\377x", "é")),
                arguments(PgType.DATE, List.of("2024-02-29", " 2024-2-9 ", "0044-03-15 BC", "2024-01-01 AD", "infinity",
                        "-infinity", "epoch", "2024-01-01 10:00:00", "5874897-12-31", "4714-11-24 BC")),
                arguments(PgType.TIME, List.of("11:14", "11:14:15", "11:14:15.123456", "11:14:15.1234565", "24:00",
                        "2024-01-01 10:00:00", "10:00:00+05", "23:59:59.9999999", "1:2:3")),
                arguments(PgType.TIMESTAMP, List.of("2024-02-29 11:14:15.5", "2024-02-29T11:14:15", "2024-02-29",
                        "2024-02-29 11:14", "2024-02-29 11:14:15+02", "2024-02-29 11:14:15.000001Z",
                        "0044-03-15 12:00:00 BC", "infinity", "-infinity", "epoch", "2024-12-31 23:59:60",
                        "2024-01-01 10:00:00.1234567", " 2024-01-01  10:00 ")),
                arguments(PgType.TIMESTAMPTZ, List.of("2024-02-29 11:14:15.5+02", "2024-02-29T11:14:15Z",
                        "2024-02-29 11:14:15+05:30", "2024-02-29 11:14:15 +0530", "2024-02-29 11:14:15-03:00:30",
                        "2024-02-29 11:14:15", "2024-02-29", "2024-02-29 11:14:15 UTC", "2024-07-01 12:00 Europe/Paris",
                        "2024-07-01 12:00 america/new_york", "infinity", "-infinity", "epoch",
                        "0044-03-15 12:00:00+00 BC")),
                arguments(PgType.INTERVAL, List.of("1 day", "1.5 days", "@ 1 hour ago", "P1Y2M3DT4H5M6S", "P1W",
                        "PT1.5S", "-1 days +02:00:00", "1 year 2 mons 3 days 04:05:06.789", "100 hours", "1.5 months",
                        "5", "1 year -1 mon", "2 weeks", "3 mins 4 secs", "1 decade", "-00:00:01.5", "1.5 years",
                        "10 ms", "7 us", "1 century", "1 day 2 hours ago", "3d 4h")),
                arguments(PgType.INT4_ARRAY, List.of("{}", " { 1 , 2 , null } ", "{\"3\",NULL}", "[1:2]={1,2}")),
                arguments(PgType.TEXT_ARRAY, List.of("{a,\"b c\",\" d \",  e f  ,\\\"g,\"\\\\\",\"NULL\",\"\"}",
                        "{x\\ ,\\NULL}", "{\"é\",ü}")),
                arguments(PgType.TIMESTAMP_ARRAY, List.of("{\"2024-01-01 10:00\",infinity}")),
                arguments(PgType.NUMERIC_ARRAY, List.of("{1.50,NaN,-Infinity}")),
                arguments(PgType.BYTEA_ARRAY, List.of("{\"\\\\x0102\",abc}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void readsTextAsPostgresDoes(PgType type, List<String> inputs) throws SQLException {
        for (String zone : List.of("UTC", "Asia/Kolkata", "America/New_York")) {
            TypeContext ctx = ctx(zone, 1);
            pg.use(ctx);
            Codec codec = registry.codec(type);
            for (String input : inputs) {
                Object decoded = codec.decodeText(input, ctx);
                ByteArraySink ours = new ByteArraySink();
                codec.encodeBinary(decoded, ours, ctx);
                assertArrayEquals(pg.binary(type.oid(), input), ours.toByteArray(), type.name() + " \"" + input + "\"");
            }
        }
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                arguments(PgType.BOOL, List.of("maybe", "", "o", "tru e", "2")),
                arguments(PgType.INT2, List.of("70000", "-32769", "1.5", "", "12a", "0x10", "1 2", "-")),
                arguments(PgType.INT4, List.of("99999999999", "2147483648", "abc", " ", "1e3")),
                arguments(PgType.INT8, List.of("9223372036854775808", "-9223372036854775809", "99999999999999999999999")),
                arguments(PgType.OID, List.of("4294967296", "-2147483649", "x")),
                arguments(PgType.FLOAT8, List.of("1e400", "-1e400", "1e-400", "abc", "1.5.5", "", "1e", "1d")),
                arguments(PgType.FLOAT4, List.of("1e39", "1e-50", "x")),
                arguments(PgType.NUMERIC, List.of("1x", "", "abc", "1e", "1..2", "- 1")),
                arguments(PgType.UUID, List.of("zz", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
                        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
                        "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
                arguments(PgType.BYTEA, List.of("\\xzz", "\\x123", "a\\9", "a\\", "\\48")),
                arguments(PgType.DATE, List.of("abc", "2024-02-30", "0000-01-01", "2024-13-01", "5874898-01-01",
                        "4714-11-23 BC", "2024-01-01 nowhere/zone", "")),
                arguments(PgType.TIME, List.of("25:00", "24:00:01", "12:60", "abc", "2024-01-01")),
                arguments(PgType.TIMESTAMP, List.of("2024-01-01 25:00", "294277-01-01", "abc", "2024-02-30 10:00",
                        "10:00", "2024-01-01 10:00:61")),
                arguments(PgType.TIMESTAMPTZ, List.of("2024-01-01 10:00 Foo/Bar", "2024-01-01 10:00+16", "garbage")),
                arguments(PgType.INTERVAL, List.of("1 foo", "abc", "", "1 day 2 days x")),
                arguments(PgType.INT4_ARRAY, List.of("{1,2", "1,2", "{1,,2}", "{1,a}", "{1}x", "{\"1}", "{,}")),
                arguments(PgType.TEXT_ARRAY, List.of("{a\"b}", "{\"a\"b}", "{a,{b}}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void rejectsWhatPostgresRejectsWithTheSameSqlState(PgType type, List<String> inputs) throws SQLException {
        TypeContext ctx = ctx("UTC", 1);
        pg.use(ctx);
        Codec codec = registry.codec(type);
        for (String input : inputs) {
            String expected = pg.inputError(type.oid(), input);
            assertNotNull(expected, "PostgreSQL reads " + type.name() + " \"" + input + "\"");
            PgException e = assertThrows(PgException.class, () -> codec.decodeText(input, ctx),
                    type.name() + " \"" + input + "\"");
            assertEquals(expected, e.sqlState(), type.name() + " \"" + input + "\": " + e.getMessage());
        }
    }

    @Test
    void errorMessagesAreThoseOfPostgres() {
        TypeContext ctx = TypeContext.DEFAULT;
        assertEquals("invalid input syntax for type integer: \"12a\"", assertThrows(PgException.class,
                () -> registry.codec(PgType.INT4).decodeText("12a", ctx)).getMessage());
        assertEquals("value \"70000\" is out of range for type smallint", assertThrows(PgException.class,
                () -> registry.codec(PgType.INT2).decodeText("70000", ctx)).getMessage());
        assertEquals("\"1e400\" is out of range for type double precision", assertThrows(PgException.class,
                () -> registry.codec(PgType.FLOAT8).decodeText("1e400", ctx)).getMessage());
        assertEquals("date/time field value out of range: \"2024-02-30\"", assertThrows(PgException.class,
                () -> registry.codec(PgType.DATE).decodeText("2024-02-30", ctx)).getMessage());
        assertEquals("invalid input syntax for type boolean: \"maybe\"", assertThrows(PgException.class,
                () -> registry.codec(PgType.BOOL).decodeText("maybe", ctx)).getMessage());
        assertEquals("malformed array literal: \"{1,2\"", assertThrows(PgException.class,
                () -> registry.codec(PgType.INT4_ARRAY).decodeText("{1,2", ctx)).getMessage());
    }

    @Test
    void multidimensionalArraysAreNotSupported() {
        TypeContext ctx = TypeContext.DEFAULT;
        Codec codec = registry.codec(PgType.INT4_ARRAY);
        assertEquals("0A000", assertThrows(PgException.class, () -> codec.decodeText("{{1,2},{3,4}}", ctx)).sqlState());
        ByteArraySink sink = new ByteArraySink();
        assertEquals("0A000", assertThrows(PgException.class,
                () -> codec.encodeText(List.of(List.of(1), List.of(2)), sink, ctx)).sqlState());
    }

    @Test
    void multidimensionalBinaryFromPostgresIsRejected() throws SQLException {
        TypeContext ctx = TypeContext.DEFAULT;
        byte[] twoDims = pg.binary(PgType.INT4_ARRAY.oid(), "{{1,2},{3,4}}");
        Codec codec = registry.codec(PgType.INT4_ARRAY);
        assertEquals("0A000", assertThrows(PgException.class,
                () -> codec.decodeBinary(twoDims, 0, twoDims.length, ctx)).sqlState());
    }

    static Stream<Arguments> shortBinary() {
        return Stream.of(arguments(PgType.BOOL, new byte[0]), arguments(PgType.INT2, new byte[1]),
                arguments(PgType.INT4, new byte[3]), arguments(PgType.INT4, new byte[5]), arguments(PgType.INT8, new byte[4]),
                arguments(PgType.FLOAT4, new byte[2]), arguments(PgType.FLOAT8, new byte[7]),
                arguments(PgType.NUMERIC, new byte[6]), arguments(PgType.NUMERIC, new byte[] {0, 1, 0, 0, 0, 0, 0, 0}),
                arguments(PgType.NUMERIC, new byte[] {0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}),
                arguments(PgType.NUMERIC, new byte[] {0, 0, 0, 0, 0x12, 0x34, 0, 0}),
                arguments(PgType.UUID, new byte[15]), arguments(PgType.DATE, new byte[2]), arguments(PgType.TIME, new byte[4]),
                arguments(PgType.TIMESTAMP, new byte[7]), arguments(PgType.TIMESTAMPTZ, new byte[9]),
                arguments(PgType.INTERVAL, new byte[12]), arguments(PgType.JSONB, new byte[] {2, '{', '}'}),
                arguments(PgType.INT4_ARRAY, new byte[8]),
                arguments(PgType.INT4_ARRAY, new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1,
                        0, 0, 0, 4, 0, 0, 0, 1}),
                arguments(PgType.INT4_ARRAY, new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 1, 0, 0, 0, 1,
                        0, 0, 0, 4, 0, 0, 0}),
                arguments(PgType.INT4_ARRAY, new byte[] {0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 23, 0, 0, 0, 0, 0, 0, 0, 1}));
    }

    @ParameterizedTest(name = "{0} {index}")
    @MethodSource("shortBinary")
    void malformedBinaryIs22P03(PgType type, byte[] bytes) {
        PgException e = assertThrows(PgException.class,
                () -> registry.codec(type).decodeBinary(bytes, 0, bytes.length, TypeContext.DEFAULT));
        assertEquals("22P03", e.sqlState(), e.getMessage());
    }

    @Test
    void wrongArrayElementTypeIsADatatypeMismatch() throws SQLException {
        byte[] int8s = pg.binary(PgType.INT8_ARRAY.oid(), "{1}");
        PgException e = assertThrows(PgException.class,
                () -> registry.codec(PgType.INT4_ARRAY).decodeBinary(int8s, 0, int8s.length, TypeContext.DEFAULT));
        assertEquals("42804", e.sqlState());
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(arguments((Object) new byte[] {'a', (byte) 0xC3, 0x28}), arguments((Object) new byte[] {(byte) 0xFF}),
                arguments((Object) new byte[] {(byte) 0xC0, (byte) 0x80}), arguments((Object) new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                arguments((Object) new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}),
                arguments((Object) new byte[] {(byte) 0xE2, (byte) 0x82}), arguments((Object) new byte[] {'a', 0, 'b'}),
                arguments((Object) new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80}));
    }

    @ParameterizedTest
    @MethodSource("invalidUtf8")
    void invalidUtf8Is22021LikePostgres(byte[] bytes) throws SQLException {
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) {
            hex.append(String.format("%02x", b & 0xFF));
        }
        assertEquals("22021", pg.error("SELECT convert_from('\\x" + hex + "'::bytea, 'UTF8')"));
        assertEquals("22021", assertThrows(PgException.class, () -> Utf8.decodeUtf8Strict(bytes, 0, bytes.length)).sqlState());
        assertEquals("22021", assertThrows(PgException.class, () -> registry.codec(PgType.TEXT)
                .decodeBinary(bytes, 0, bytes.length, TypeContext.DEFAULT)).sqlState());
    }

    @Test
    void validUtf8IsDecoded() {
        String s = "aé日\uD83D\uDE00\u007F\u0080\uFFFD";
        byte[] b = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8);
        assertEquals(s, Utf8.decodeUtf8Strict(b, 2, b.length - 4));
        assertEquals("", Utf8.decodeUtf8Strict(b, 0, 0));
        assertEquals("invalid byte sequence for encoding \"UTF8\": 0xc3 0x28", assertThrows(PgException.class,
                () -> Utf8.decodeUtf8Strict(new byte[] {(byte) 0xC3, 0x28}, 0, 2)).getMessage());
    }
}
