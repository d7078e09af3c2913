package io.buenavista.core.clients;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PGobject;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgjdbc against a real server over every query mode, binary transfer on and off and the prepare thresholds: each
 * listed type goes out as a parameter of {@code echo ?, ?, …} and comes back as a result, eight executions in a row
 * (pgjdbc switches to a named server statement at the 5th and to binary results at the 6th, or at once with -1).
 */
class PgjdbcMatrixTest {
    private static final int EXECUTIONS = 8;

    static TestHandler testHandler;
    static ClientsHandler handler;
    static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        testHandler = new TestHandler();
        handler = new ClientsHandler(testHandler);
        server = ClientServers.start(handler);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> modes() {
        List<Arguments> modes = new ArrayList<>();
        for (String mode : List.of("simple", "extended", "extendedForPrepared", "extendedCacheEverything")) {
            for (boolean binary : List.of(true, false)) {
                for (int threshold : List.of(5, 1, -1)) {
                    modes.add(Arguments.of(mode, binary, threshold));
                }
            }
        }
        return modes.stream();
    }

    private static Connection connect(String mode, boolean binary, int threshold) throws SQLException {
        return DriverManager.getConnection(ClientServers.jdbcUrl(server,
                "preferQueryMode=" + mode + "&binaryTransfer=" + binary + "&prepareThreshold=" + threshold));
    }

    /** Sets one parameter; returns nothing. */
    @FunctionalInterface
    interface Setter {
        void set(PreparedStatement ps, Connection c, int index) throws SQLException;
    }

    /** Checks one result column. */
    @FunctionalInterface
    interface Checker {
        void check(ResultSet rs, int index) throws SQLException;
    }

    /** One value sent as a parameter and how to check what comes back. */
    record Case(String name, Setter setter, Checker checker) {}

    private static final byte[] ALL_BYTES = allBytes();
    private static final String BIG_TEXT = "ü€𝄞 ".repeat(30_000);
    private static final byte[] BIG_BYTES = java.util.Arrays.copyOf(BIG_TEXT.getBytes(java.nio.charset.StandardCharsets.UTF_8), 200_001);

    private static byte[] allBytes() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    private static PGobject pgObject(String type, String value) throws SQLException {
        PGobject o = new PGobject();
        o.setType(type);
        o.setValue(value);
        return o;
    }

    private static Case decimal(String text) {
        BigDecimal d = new BigDecimal(text);
        return new Case("numeric " + text, (ps, c, i) -> ps.setBigDecimal(i, d), (rs, i) -> {
            BigDecimal got = rs.getBigDecimal(i);
            assertEquals(0, d.compareTo(got), "numeric " + text + " came back as " + got);
            assertEquals(Math.max(d.scale(), 0), got.scale(), "scale of " + text);
        });
    }

    /**
     * An array parameter. In simple mode pgjdbc inlines it as an untyped literal, which PostgreSQL (like the
     * literal echo here) returns as text: then the text must be the literal pgjdbc sent.
     */
    private static Case array(String name, String elementType, Object[] elements, String simpleModeText) {
        return new Case(name, (ps, c, i) -> ps.setArray(i, c.createArrayOf(elementType, elements)), (rs, i) -> {
            if (rs.getMetaData().getColumnType(i) == Types.ARRAY) {
                assertArrayEquals(elements, (Object[]) rs.getArray(i).getArray());
            } else {
                assertEquals("text", rs.getMetaData().getColumnTypeName(i));
                assertEquals(simpleModeText, rs.getString(i));
            }
        });
    }

    static List<Case> cases() {
        UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        PGInterval interval = new PGInterval(1, 2, 3, 4, 5, 6.5);
        PGInterval negativeInterval = new PGInterval(-1, -2, -3, -1, -2, -3.25);
        OffsetDateTime odt = OffsetDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000, ZoneOffset.ofHours(2));
        Timestamp legacyTimestamp = Timestamp.valueOf("2023-12-31 23:59:59.999999");
        return List.of(
                new Case("bool true", (ps, c, i) -> ps.setBoolean(i, true), (rs, i) -> assertTrue(rs.getBoolean(i))),
                new Case("bool false", (ps, c, i) -> ps.setBoolean(i, false),
                        (rs, i) -> {
                            assertFalse(rs.getBoolean(i));
                            assertFalse(rs.wasNull());
                        }),
                new Case("int2", (ps, c, i) -> ps.setShort(i, Short.MIN_VALUE),
                        (rs, i) -> assertEquals(Short.MIN_VALUE, rs.getShort(i))),
                new Case("int4", (ps, c, i) -> ps.setInt(i, Integer.MIN_VALUE),
                        (rs, i) -> assertEquals(Integer.MIN_VALUE, rs.getInt(i))),
                new Case("int8", (ps, c, i) -> ps.setLong(i, Long.MAX_VALUE),
                        (rs, i) -> assertEquals(Long.MAX_VALUE, rs.getLong(i))),
                new Case("float4", (ps, c, i) -> ps.setFloat(i, 1.1f), (rs, i) -> assertEquals(1.1f, rs.getFloat(i))),
                new Case("float4 max", (ps, c, i) -> ps.setFloat(i, Float.MAX_VALUE),
                        (rs, i) -> assertEquals(Float.MAX_VALUE, rs.getFloat(i))),
                new Case("float8", (ps, c, i) -> ps.setDouble(i, Math.PI), (rs, i) -> assertEquals(Math.PI, rs.getDouble(i))),
                new Case("float8 tiny", (ps, c, i) -> ps.setDouble(i, -4.9e-324),
                        (rs, i) -> assertEquals(-4.9e-324, rs.getDouble(i))),
                new Case("float8 infinity", (ps, c, i) -> ps.setDouble(i, Double.NEGATIVE_INFINITY),
                        (rs, i) -> assertEquals(Double.NEGATIVE_INFINITY, rs.getDouble(i))),
                new Case("float8 NaN", (ps, c, i) -> ps.setDouble(i, Double.NaN),
                        (rs, i) -> assertTrue(Double.isNaN(rs.getDouble(i)))),
                decimal("12345.678"),
                decimal("-123456789012345678901234567890.123456789012345678901234567890"),
                decimal("0.000000000000000000000000000001"),
                decimal("100000000000000000000"),
                decimal("-0.50"),
                decimal("0"),
                new Case("text", (ps, c, i) -> ps.setString(i, "héllo 'quoted' \"dq\" \\ back\nline €𝄞"),
                        (rs, i) -> assertEquals("héllo 'quoted' \"dq\" \\ back\nline €𝄞", rs.getString(i))),
                new Case("empty text", (ps, c, i) -> ps.setString(i, ""), (rs, i) -> assertEquals("", rs.getString(i))),
                new Case("varchar", (ps, c, i) -> ps.setObject(i, "{not, an array}", Types.VARCHAR),
                        (rs, i) -> assertEquals("{not, an array}", rs.getString(i))),
                new Case("bytea", (ps, c, i) -> ps.setBytes(i, ALL_BYTES),
                        (rs, i) -> assertArrayEquals(ALL_BYTES, rs.getBytes(i))),
                new Case("empty bytea", (ps, c, i) -> ps.setBytes(i, new byte[0]),
                        (rs, i) -> assertArrayEquals(new byte[0], rs.getBytes(i))),
                new Case("date", (ps, c, i) -> ps.setObject(i, LocalDate.of(2024, 2, 29)),
                        (rs, i) -> assertEquals(LocalDate.of(2024, 2, 29), rs.getObject(i, LocalDate.class))),
                new Case("date year 1", (ps, c, i) -> ps.setObject(i, LocalDate.of(1, 1, 1)),
                        (rs, i) -> assertEquals(LocalDate.of(1, 1, 1), rs.getObject(i, LocalDate.class))),
                new Case("date infinity", (ps, c, i) -> ps.setObject(i, LocalDate.MAX),
                        (rs, i) -> assertEquals(LocalDate.MAX, rs.getObject(i, LocalDate.class))),
                new Case("time", (ps, c, i) -> ps.setObject(i, LocalTime.of(23, 59, 59, 999_999_000)),
                        (rs, i) -> assertEquals(LocalTime.of(23, 59, 59, 999_999_000), rs.getObject(i, LocalTime.class))),
                new Case("timestamp", (ps, c, i) -> ps.setObject(i, LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000)),
                        (rs, i) -> assertEquals(LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000),
                                rs.getObject(i, LocalDateTime.class))),
                new Case("legacy timestamp", (ps, c, i) -> ps.setTimestamp(i, legacyTimestamp),
                        (rs, i) -> assertEquals(legacyTimestamp, rs.getTimestamp(i))),
                new Case("timestamptz", (ps, c, i) -> ps.setObject(i, odt), (rs, i) -> {
                    OffsetDateTime got = rs.getObject(i, OffsetDateTime.class);
                    assertTrue(odt.isEqual(got), "timestamptz came back as " + got);
                }),
                new Case("uuid", (ps, c, i) -> ps.setObject(i, uuid), (rs, i) -> {
                    assertEquals(uuid, rs.getObject(i, UUID.class));
                    assertEquals(uuid.toString(), rs.getString(i));
                }),
                new Case("json", (ps, c, i) -> ps.setObject(i, pgObject("json", "{\"a\": [1, \"x\"]}")),
                        (rs, i) -> assertEquals("{\"a\": [1, \"x\"]}", rs.getString(i))),
                new Case("jsonb", (ps, c, i) -> ps.setObject(i, pgObject("jsonb", "{\"b\": [1, 2]}")),
                        (rs, i) -> assertEquals("{\"b\": [1, 2]}", rs.getString(i))),
                new Case("interval", (ps, c, i) -> ps.setObject(i, interval),
                        (rs, i) -> assertEquals(interval, new PGInterval(rs.getString(i)))),
                new Case("negative interval", (ps, c, i) -> ps.setObject(i, negativeInterval),
                        (rs, i) -> assertEquals(negativeInterval, new PGInterval(rs.getString(i)))),
                array("int4[]", "int4", new Integer[] {1, null, -3}, "{\"1\",NULL,\"-3\"}"),
                array("text[]", "text", new String[] {"a", "b c", null, "x\"y", "NULL", "", "{}", "é\\"},
                        "{\"a\",\"b c\",NULL,\"x\\\"y\",\"NULL\",\"\",\"{}\",\"é\\\\\"}"),
                array("float8[]", "float8", new Double[] {1.5, -0.25, Double.POSITIVE_INFINITY},
                        "{\"1.5\",\"-0.25\",\"Infinity\"}"),
                array("empty int8[]", "int8", new Long[0], "{}"),
                new Case("timestamp infinity", (ps, c, i) -> ps.setObject(i, LocalDateTime.MAX),
                        (rs, i) -> assertEquals(LocalDateTime.MAX, rs.getObject(i, LocalDateTime.class))),
                new Case("timestamp -infinity", (ps, c, i) -> ps.setObject(i, LocalDateTime.MIN),
                        (rs, i) -> assertEquals(LocalDateTime.MIN, rs.getObject(i, LocalDateTime.class))),
                new Case("timestamp BC", (ps, c, i) -> ps.setObject(i, LocalDateTime.of(-43, 3, 15, 12, 0, 0, 1000)),
                        (rs, i) -> assertEquals(LocalDateTime.of(-43, 3, 15, 12, 0, 0, 1000),
                                rs.getObject(i, LocalDateTime.class))),
                new Case("timestamptz infinity", (ps, c, i) -> ps.setObject(i, OffsetDateTime.MAX),
                        (rs, i) -> assertEquals(OffsetDateTime.MAX, rs.getObject(i, OffsetDateTime.class))),
                new Case("date BC", (ps, c, i) -> ps.setObject(i, LocalDate.of(-4712, 1, 1)),
                        (rs, i) -> assertEquals(LocalDate.of(-4712, 1, 1), rs.getObject(i, LocalDate.class))),
                new Case("time midnight", (ps, c, i) -> ps.setObject(i, LocalTime.MIDNIGHT),
                        (rs, i) -> assertEquals(LocalTime.MIDNIGHT, rs.getObject(i, LocalTime.class))),
                new Case("float4 tiny", (ps, c, i) -> ps.setFloat(i, Float.MIN_VALUE),
                        (rs, i) -> assertEquals(Float.MIN_VALUE, rs.getFloat(i))),
                new Case("float8 -0", (ps, c, i) -> ps.setDouble(i, -0.0),
                        (rs, i) -> assertEquals(-0.0, rs.getDouble(i))),
                decimal("123000000000000000000000000.000"),
                decimal("0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"),
                decimal("99999999999999999999999999999999999999999999999999.99999999999999999999999999999999999999"),
                decimal("-0.0001"),
                new Case("microsecond interval", (ps, c, i) -> ps.setObject(i, new PGInterval(0, 0, -40, 0, 0, 0.000001)),
                        (rs, i) -> assertEquals(new PGInterval(0, 0, -40, 0, 0, 0.000001), new PGInterval(rs.getString(i)))),
                new Case("big text", (ps, c, i) -> ps.setString(i, BIG_TEXT),
                        (rs, i) -> assertEquals(BIG_TEXT, rs.getString(i))),
                new Case("big bytea", (ps, c, i) -> ps.setBytes(i, BIG_BYTES),
                        (rs, i) -> assertArrayEquals(BIG_BYTES, rs.getBytes(i))),
                new Case("null int4", (ps, c, i) -> ps.setNull(i, Types.INTEGER), PgjdbcMatrixTest::assertSqlNull),
                new Case("null varchar", (ps, c, i) -> ps.setNull(i, Types.VARCHAR), PgjdbcMatrixTest::assertSqlNull),
                new Case("null timestamp", (ps, c, i) -> ps.setNull(i, Types.TIMESTAMP), PgjdbcMatrixTest::assertSqlNull),
                new Case("null bytea", (ps, c, i) -> ps.setBytes(i, null), PgjdbcMatrixTest::assertSqlNull));
    }

    private static void assertSqlNull(ResultSet rs, int index) throws SQLException {
        assertNull(rs.getObject(index));
        assertTrue(rs.wasNull());
        assertNull(rs.getString(index));
    }

    @ParameterizedTest(name = "{0} binary={1} prepareThreshold={2}")
    @MethodSource("modes")
    void everyTypeRoundTripsAsParameterAndResult(String mode, boolean binary, int threshold) throws Exception {
        List<Case> cases = cases();
        String sql = "echo " + String.join(", ", java.util.Collections.nCopies(cases.size(), "?"));
        int preparedBefore = countEchoPrepares();
        try (Connection c = connect(mode, binary, threshold); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int run = 1; run <= EXECUTIONS; run++) {
                for (int i = 0; i < cases.size(); i++) {
                    cases.get(i).setter().set(ps, c, i + 1);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    for (int i = 0; i < cases.size(); i++) {
                        Case k = cases.get(i);
                        try {
                            k.checker().check(rs, i + 1);
                        } catch (AssertionError | SQLException | RuntimeException e) {
                            throw new AssertionError("execution " + run + ", " + k.name() + ": " + e, e);
                        }
                    }
                    assertFalse(rs.next());
                }
            }
        }
        int prepares = countEchoPrepares() - preparedBefore;
        if (mode.equals("simple")) {
            assertEquals(EXECUTIONS, prepares, "simple mode sends the whole statement each time");
        } else {
            assertTrue(prepares < EXECUTIONS, "a named server statement is reused, but echo was prepared "
                    + prepares + " times");
        }
    }

    private static int countEchoPrepares() {
        return (int) handler.prepared().stream().filter(s -> s.startsWith("echo")).count();
    }

    @ParameterizedTest(name = "{0} binary={1} prepareThreshold={2}")
    @MethodSource("modes")
    void typesStatementReadsAsPostgresPrintsIt(String mode, boolean binary, int threshold) throws Exception {
        try (Connection c = connect(mode, binary, threshold)) {
            try (PreparedStatement ps = c.prepareStatement("types")) {
                for (int run = 1; run <= EXECUTIONS; run++) {
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next());
                        for (int i = 0; i < TestHandler.TYPE_TEXTS.size(); i++) {
                            String column = TestHandler.TYPE_COLUMNS.get(i).name();
                            // Of binary values pgjdbc's getString gives byte[].toString() for bytea and its own
                            // rendering for arrays (every element quoted), with PostgreSQL as here.
                            String text = column.equals("bytea") ? hex(rs.getBytes(i + 1)) : rs.getString(i + 1);
                            if (!binary || !column.endsWith("_array")) {
                                assertEquals(TestHandler.TYPE_TEXTS.get(i), text,
                                        "execution " + run + ", column " + column);
                            }
                            assertEquals(TestHandler.TYPE_COLUMNS.get(i).type().name(),
                                    rs.getMetaData().getColumnTypeName(i + 1).replace("\"", ""), column);
                        }
                        assertTypedObjects(rs);
                        assertFalse(rs.next());
                    }
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("nulls")) {
                assertTrue(rs.next());
                for (int i = 1; i <= TestHandler.TYPE_COLUMNS.size(); i++) {
                    assertSqlNull(rs, i);
                }
            }
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder("\\x");
        for (byte b : bytes) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    /** getObject gives the Java type pgjdbc maps each column type to, with the values of TYPE_VALUES. */
    private static void assertTypedObjects(ResultSet rs) throws SQLException {
        assertEquals(Boolean.TRUE, rs.getObject("bool"));
        assertEquals(12, rs.getObject("int2")); // pgjdbc reads int2 as Integer
        assertEquals(345, rs.getObject("int4"));
        assertEquals(6_789_012_345L, rs.getObject("int8"));
        assertEquals(1.5f, rs.getObject("float4"));
        assertEquals(2.25d, rs.getObject("float8"));
        assertEquals(new BigDecimal("12345.678"), rs.getObject("numeric"));
        assertEquals("héllo", rs.getObject("text"));
        assertEquals("world", rs.getObject("varchar"));
        assertArrayEquals(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}, rs.getBytes("bytea"));
        assertEquals(LocalDate.of(2024, 2, 29), rs.getObject("date", LocalDate.class));
        assertEquals(LocalTime.of(13, 45, 30, 123_456_000), rs.getObject("time", LocalTime.class));
        assertEquals(LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000),
                rs.getObject("timestamp", LocalDateTime.class));
        assertEquals(OffsetDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000, ZoneOffset.UTC),
                rs.getObject("timestamptz", OffsetDateTime.class));
        assertEquals(new PGInterval(1, 2, 3, 1, 6, 45.006), rs.getObject("interval"));
        assertEquals(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), rs.getObject("uuid"));
        assertEquals("{\"a\": 1}", ((PGobject) rs.getObject("json")).getValue());
        assertEquals("{\"b\": [1, 2]}", ((PGobject) rs.getObject("jsonb")).getValue());
        Array ints = rs.getArray("int4_array");
        assertArrayEquals(new Integer[] {1, null, 3}, (Object[]) ints.getArray());
        assertArrayEquals(new String[] {"a", "b c", null, "x\"y"}, (Object[]) rs.getArray("text_array").getArray());
    }
}
