package io.buenavista.core.duckdb;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.ObservedHandler;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PSQLException;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgjdbc against a real server with a DuckDB handler: DDL, DML, every type of the DuckDB → PostgreSQL mapping both
 * ways (compared value by value with what real PostgreSQL 15 on 127.0.0.1:5432 returns for the same values in the
 * equivalent types), parameters, transactions, errors with their SQLSTATE, cancel, metadata and streaming.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DuckDbPgjdbcTest {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";
    /** The read modes: simple protocol (text), extended (text), extended with server-prepared binary results. */
    private static final String[] MODES = {"preferQueryMode=simple", "preferQueryMode=extended",
            "preferQueryMode=extended&prepareThreshold=-1"};

    private static DuckDbHandler handler;
    private static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        handler = new DuckDbHandler(DuckDbConfig.inMemory());
        server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (handler != null) {
            handler.close();
        }
    }

    private static String url(BuenaVistaServer s, String params) {
        return "jdbc:postgresql://127.0.0.1:" + s.port() + "/test?user=tester&sslmode=disable"
                + (params.isEmpty() ? "" : "&" + params);
    }

    private static Connection duck(String params) throws SQLException {
        return DriverManager.getConnection(url(server, params));
    }

    private static Connection pg(String params) throws SQLException {
        return DriverManager.getConnection(PG_URL + (params.isEmpty() ? "" : "&" + params));
    }

    // ---- types ----

    /** A column of both tables: DuckDB's type, PostgreSQL's equivalent and the values of the three rows. */
    private record TypeCase(String duckType, String pgType, Object first, Object second) {}

    /** Binds as an array of this element type. */
    private record ArrayValue(String elementType, Object[] elements) {}

    /** Binds a string with {@link Types#OTHER}: an untyped parameter. */
    private record Untyped(String text) {}

    private static final List<TypeCase> TYPES = List.of(
            new TypeCase("BOOLEAN", "boolean", true, false),
            new TypeCase("TINYINT", "smallint", (short) -128, (short) 127),
            new TypeCase("UTINYINT", "smallint", (short) 255, (short) 0),
            new TypeCase("SMALLINT", "smallint", (short) -32768, (short) 32767),
            new TypeCase("USMALLINT", "integer", 65535, 0),
            new TypeCase("INTEGER", "integer", Integer.MIN_VALUE, Integer.MAX_VALUE),
            new TypeCase("UINTEGER", "bigint", 4294967295L, 0L),
            new TypeCase("BIGINT", "bigint", Long.MIN_VALUE, Long.MAX_VALUE),
            new TypeCase("UBIGINT", "numeric", new BigDecimal("18446744073709551615"), BigDecimal.ZERO),
            new TypeCase("HUGEINT", "numeric", new BigDecimal("-170141183460469231731687303715884105728"),
                    new BigDecimal("170141183460469231731687303715884105727")),
            new TypeCase("UHUGEINT", "numeric", new BigDecimal("340282366920938463463374607431768211455"),
                    BigDecimal.ONE),
            new TypeCase("VARINT", "numeric", new BigDecimal("-123456789012345678901234567890123456789012345"),
                    BigDecimal.ZERO),
            new TypeCase("FLOAT", "real", 1.5e10f, Float.NaN),
            new TypeCase("FLOAT", "real", 0.1f, Float.NEGATIVE_INFINITY),
            new TypeCase("DOUBLE", "double precision", 1e100, Double.NaN),
            new TypeCase("DOUBLE", "double precision", 0.1, Double.POSITIVE_INFINITY),
            new TypeCase("DOUBLE", "double precision", 1e-5, -0.0),
            new TypeCase("DECIMAL(10,2)", "numeric(10,2)", new BigDecimal("12345678.90"), new BigDecimal("-0.01")),
            new TypeCase("DECIMAL(4,0)", "numeric(4,0)", new BigDecimal("9999"), new BigDecimal("0")),
            new TypeCase("DECIMAL(38,10)", "numeric(38,10)",
                    new BigDecimal("1234567890123456789012345678.0123456789"), new BigDecimal("0.0000000001")),
            new TypeCase("VARCHAR", "text", "héllo 'q' \"x\" \\ 😀", ""),
            new TypeCase("BLOB", "bytea", new byte[] {0, 1, (byte) 0xff, '\\', '\''}, new byte[0]),
            new TypeCase("DATE", "date", LocalDate.of(2024, 2, 29), LocalDate.MAX),
            new TypeCase("DATE", "date", LocalDate.of(-43, 3, 15), LocalDate.MIN),
            new TypeCase("DATE", "date", LocalDate.of(1, 1, 1), LocalDate.of(9999, 12, 31)),
            new TypeCase("TIME", "time", LocalTime.of(11, 14, 15, 500_000_000), LocalTime.MIDNIGHT),
            new TypeCase("TIME", "time", LocalTime.of(23, 59, 59, 999_999_000), LocalTime.of(0, 0, 0, 1000)),
            new TypeCase("TIMESTAMP", "timestamp", LocalDateTime.of(2024, 2, 29, 11, 14, 15, 500_000_000),
                    LocalDateTime.MAX),
            new TypeCase("TIMESTAMP", "timestamp", LocalDateTime.of(-43, 3, 15, 10, 0, 0, 1000),
                    LocalDateTime.MIN),
            new TypeCase("TIMESTAMP_S", "timestamp", LocalDateTime.of(2024, 2, 29, 11, 14, 15),
                    LocalDateTime.of(1970, 1, 1, 0, 0)),
            new TypeCase("TIMESTAMP_MS", "timestamp", LocalDateTime.of(2024, 2, 29, 11, 14, 15, 123_000_000),
                    LocalDateTime.of(1969, 12, 31, 23, 59, 59, 999_000_000)),
            new TypeCase("TIMESTAMP_NS", "timestamp", LocalDateTime.of(2024, 2, 29, 11, 14, 15, 123_456_000),
                    LocalDateTime.of(1900, 1, 1, 0, 0)),
            new TypeCase("TIMESTAMPTZ", "timestamptz",
                    OffsetDateTime.of(2024, 2, 29, 11, 14, 15, 500_000_000, ZoneOffset.ofHours(2)),
                    OffsetDateTime.of(1900, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)),
            new TypeCase("INTERVAL", "interval", new PGInterval(1, 2, 3, 4, 5, 6.789),
                    new PGInterval(0, 0, -1, 0, 0, -1)),
            new TypeCase("INTERVAL", "interval", new PGInterval(0, -14, 0, 25, 0, 0.000001),
                    new PGInterval(0, 0, 0, 0, 0, 0)),
            new TypeCase("UUID", "uuid", UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), new UUID(0, 0)),
            new TypeCase("JSON", "json", new Untyped("{\"a\":[1,2.5,\"x\"],\"b\":null}"), new Untyped("[]")),
            new TypeCase("mood", "text", "happy", "sad"),
            new TypeCase("INTEGER[]", "integer[]", new ArrayValue("int4", new Integer[] {1, null, -3}),
                    new ArrayValue("int4", new Integer[0])),
            new TypeCase("BIGINT[]", "bigint[]", new ArrayValue("int8", new Long[] {Long.MAX_VALUE}),
                    new ArrayValue("int8", new Long[] {null})),
            new TypeCase("VARCHAR[]", "text[]", new ArrayValue("text", new String[] {"a", "b c", null, "\"q\"",
                    "NULL", "", "x,y", "{z}", "back\\slash"}), new ArrayValue("text", new String[0])),
            new TypeCase("DOUBLE[]", "double precision[]", new ArrayValue("float8", new Double[] {1.5, 1e10, null}),
                    new ArrayValue("float8", new Double[] {Double.NaN})),
            new TypeCase("BOOLEAN[]", "boolean[]", new ArrayValue("bool", new Boolean[] {true, false, null}),
                    new ArrayValue("bool", new Boolean[] {false})),
            new TypeCase("DATE[]", "date[]", new ArrayValue("date", new LocalDate[] {LocalDate.of(2024, 2, 29)}),
                    new ArrayValue("date", new LocalDate[] {null})));

    private static String createTable(String name, boolean duck, List<TypeCase> types) {
        StringBuilder sql = new StringBuilder(duck ? "CREATE TABLE " : "CREATE TEMP TABLE ").append(name)
                .append("(id INTEGER");
        for (int i = 0; i < types.size(); i++) {
            sql.append(", c").append(i).append(' ').append(duck ? types.get(i).duckType : types.get(i).pgType);
        }
        return sql.append(')').toString();
    }

    private static void insertRows(Connection c, String table, List<TypeCase> types) throws SQLException {
        String marks = String.join(", ", java.util.Collections.nCopies(types.size() + 1, "?"));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (" + marks + ")")) {
            for (int row = 1; row <= 3; row++) {
                ps.setInt(1, row);
                for (int i = 0; i < types.size(); i++) {
                    TypeCase t = types.get(i);
                    Object v = row == 1 ? t.first : row == 2 ? t.second : null;
                    bindValue(c, ps, i + 2, v, t);
                }
                assertEquals(1, ps.executeUpdate());
            }
        }
    }

    private static void bindValue(Connection c, PreparedStatement ps, int index, Object v, TypeCase t)
            throws SQLException {
        if (v == null) {
            ps.setNull(index, Types.OTHER);
        } else if (v instanceof ArrayValue a) {
            ps.setArray(index, c.createArrayOf(a.elementType, a.elements));
        } else if (v instanceof Untyped u) {
            ps.setObject(index, u.text, Types.OTHER);
        } else if (v instanceof byte[] b) {
            ps.setBytes(index, b);
        } else {
            ps.setObject(index, v);
        }
    }

    /** What a result holds, made comparable: arrays as lists, bytes as hex. */
    private static Object comparable(Object o) throws SQLException {
        if (o instanceof Array a) {
            return comparable(a.getArray());
        }
        if (o instanceof Object[] array) {
            List<Object> out = new ArrayList<>();
            for (Object e : array) {
                out.add(comparable(e));
            }
            return out;
        }
        if (o instanceof byte[] b) {
            return "bytes:" + HexFormat.of().formatHex(b);
        }
        return o;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void everyTypeRoundTripsLikePostgres(int mode) throws Exception {
        // Written with typed parameters (simple mode's inlined literals: see the next test), read in each mode.
        roundTrip("types_" + mode, MODES[Math.max(mode, 1)], MODES[mode], TYPES);
    }

    /**
     * In simple mode pgjdbc inlines parameters as literals ({@code '…'::numeric}, {@code '\x…'::bytea},
     * {@code '0044-03-15 BC'::date}); arrays are left out: pgjdbc inlines them as untyped strings
     * ({@code '{"1",NULL}'}), which DuckDB cannot cast to a LIST.
     */
    @Test
    void simpleModeInlinedLiteralsRoundTrip() throws Exception {
        List<TypeCase> scalars = TYPES.stream().filter(t -> !(t.first instanceof ArrayValue)).toList();
        roundTrip("types_simple", MODES[0], MODES[2], scalars);
    }

    private static void roundTrip(String table, String writeMode, String readMode, List<TypeCase> types)
            throws Exception {
        try (Connection d = duck(writeMode); Connection p = pg(writeMode);
                Statement ds = d.createStatement(); Statement ps = p.createStatement()) {
            ds.execute("DROP TABLE IF EXISTS " + table);
            ds.execute("CREATE TYPE IF NOT EXISTS mood AS ENUM ('sad', 'happy')");
            ds.execute(createTable(table, true, types));
            ps.execute(createTable(table, false, types));
            insertRows(d, table, types);
            insertRows(p, table, types);
            if (readMode.equals(writeMode)) {
                assertSameResults(d, p, "SELECT * FROM " + table + " ORDER BY id", readMode, types);
            } else {
                // PostgreSQL's temp table is only visible to its writer: its rows are copied to a reader's.
                try (Connection dr = duck(readMode); Connection pr = pg(readMode); Statement s = pr.createStatement()) {
                    s.execute(createTable(table, false, types));
                    copyRows(p, pr, table);
                    assertSameResults(dr, pr, "SELECT * FROM " + table + " ORDER BY id", readMode, types);
                }
            }
            ds.execute("DROP TABLE " + table);
        }
    }

    private static void copyRows(Connection from, Connection to, String table) throws SQLException {
        try (Statement s = from.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
            int n = rs.getMetaData().getColumnCount();
            String marks = String.join(", ", java.util.Collections.nCopies(n, "?"));
            try (PreparedStatement ps = to.prepareStatement("INSERT INTO " + table + " VALUES (" + marks + ")")) {
                while (rs.next()) {
                    for (int i = 1; i <= n; i++) {
                        ps.setObject(i, rs.getString(i), Types.OTHER);
                    }
                    ps.executeUpdate();
                }
            }
        }
    }

    private static void assertSameResults(Connection d, Connection p, String select, String mode,
            List<TypeCase> types) throws SQLException {
        boolean binary = mode.contains("prepareThreshold=-1");
        // Twice: pgjdbc switches to a server-prepared (binary) statement after the first use with -1.
        for (int round = 0; round < 2; round++) {
            try (PreparedStatement dq = d.prepareStatement(select); PreparedStatement pq = p.prepareStatement(select);
                    ResultSet dr = dq.executeQuery(); ResultSet pr = pq.executeQuery()) {
                ResultSetMetaData dm = dr.getMetaData();
                ResultSetMetaData pm = pr.getMetaData();
                assertEquals(pm.getColumnCount(), dm.getColumnCount());
                for (int i = 1; i <= pm.getColumnCount(); i++) {
                    String what = "column " + i + " (" + (i > 1 ? types.get(i - 2).duckType : "id") + ")";
                    assertEquals(pm.getColumnTypeName(i), dm.getColumnTypeName(i), what);
                    assertEquals(pm.getColumnType(i), dm.getColumnType(i), what);
                    assertEquals(pm.getPrecision(i), dm.getPrecision(i), what);
                    assertEquals(pm.getScale(i), dm.getScale(i), what);
                }
                int rows = 0;
                while (pr.next()) {
                    rows++;
                    assertTrue(dr.next());
                    for (int i = 1; i <= pm.getColumnCount(); i++) {
                        String what = "row " + rows + ", column " + i + " ("
                                + (i > 1 ? types.get(i - 2).duckType : "id") + "), " + mode;
                        if (!(binary && pm.getColumnType(i) == Types.BINARY)) {
                            // (pgjdbc's getString of a binary bytea is byte[].toString())
                            assertEquals(pr.getString(i), dr.getString(i), what);
                        }
                        assertEquals(comparable(pr.getObject(i)), comparable(dr.getObject(i)), what);
                    }
                }
                assertFalse(dr.next());
            }
        }
    }

    // ---- nested types, enums, time zones ----

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void structMapAndNestedListsAreJsonAsDuckDbsToJsonWritesIt(int mode) throws Exception {
        String[] values = {"{'a': 1, 'b': 'x\"y', 'c': NULL, 'd': [1.5, 2.25], 'e': {'f': true}}",
                "MAP {'k': 1, 'l': 2}", "MAP {1: 'one'}", "[[1, 2], [3], []]", "[{'x': 1}, NULL]",
                "{'dt': DATE '2024-02-29', 'ts': TIMESTAMP '2024-02-29 11:14:15.5', 'dec': 12.30::DECIMAL(5,2)}",
                "{'dbl': 1e100, 'big': 170141183460469231731687303715884105727::HUGEINT, 'u': 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID}"};
        try (Connection c = duck(MODES[mode]); Statement s = c.createStatement()) {
            for (String value : values) {
                try (ResultSet rs = s.executeQuery("SELECT v, to_json(v)::VARCHAR FROM (SELECT " + value + " AS v)")) {
                    assertTrue(rs.next());
                    assertEquals("json", rs.getMetaData().getColumnTypeName(1), value);
                    assertEquals(rs.getString(2), rs.getString(1), value);
                }
            }
        }
    }

    @Test
    void enumsAreText() throws Exception {
        try (Connection c = duck(""); Statement s = c.createStatement()) {
            s.execute("CREATE TYPE IF NOT EXISTS mood AS ENUM ('sad', 'happy')");
            try (PreparedStatement ps = c.prepareStatement("SELECT CAST(? AS mood)")) {
                ps.setString(1, "happy");
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("text", rs.getMetaData().getColumnTypeName(1));
                    assertEquals("happy", rs.getString(1));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void timestamptzIsRenderedInTheSessionTimeZone(int mode) throws Exception {
        String sql = "SELECT TIMESTAMPTZ '2024-02-29 11:14:15.5+00', TIMESTAMPTZ '1900-01-01 00:00:00+00', "
                + "TIMESTAMPTZ 'infinity'";
        try (Connection c = duck(MODES[mode] + "&options=-c%20TimeZone=Asia/Kolkata"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(sql)) {
                assertTrue(rs.next());
                assertEquals("2024-02-29 16:44:15.5+05:30", rs.getString(1));
                assertEquals("1900-01-01 05:21:10+05:21:10", rs.getString(2)); // local mean time, like PostgreSQL
                assertEquals("infinity", rs.getString(3));
            }
            s.execute("SET TimeZone = 'America/New_York'");
            try (ResultSet rs = s.executeQuery(sql)) {
                assertTrue(rs.next());
                assertEquals("2024-02-29 06:14:15.5-05", rs.getString(1));
            }
            try (ResultSet rs = s.executeQuery("SELECT current_setting('TimeZone')")) {
                assertTrue(rs.next());
                assertEquals("America/New_York", rs.getString(1));
            }
        }
    }

    @Test
    void timestamptzParameterKeepsItsInstant() throws Exception {
        OffsetDateTime value = OffsetDateTime.of(2024, 2, 29, 11, 14, 15, 500_000_000, ZoneOffset.ofHours(-7));
        try (Connection c = duck("options=-c%20TimeZone=Asia/Kolkata");
                PreparedStatement ps = c.prepareStatement("SELECT ?::TIMESTAMPTZ, ?::TIMESTAMPTZ = TIMESTAMPTZ "
                        + "'2024-02-29 18:14:15.5+00'")) {
            ps.setObject(1, value);
            ps.setObject(2, value);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(value.toInstant(), rs.getObject(1, OffsetDateTime.class).toInstant());
                assertEquals("2024-02-29 23:44:15.5+05:30", rs.getString(1));
                assertTrue(rs.getBoolean(2));
            }
        }
    }

    // ---- parameters, DDL, DML, transactions ----

    @Test
    void declaredAndUntypedParameters() throws Exception {
        try (Connection c = duck("")) {
            // Declared (setInt: int4) where DuckDB alone cannot infer the type; untyped text cast by DuckDB.
            try (PreparedStatement ps = c.prepareStatement("SELECT ? + 1, CAST(? AS INTEGER) * 2, ?, ? || 'x'")) {
                ps.setInt(1, 5);
                ps.setObject(2, "21", Types.OTHER);
                ps.setInt(3, 7);
                ps.setString(4, "y");
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("int4", rs.getMetaData().getColumnTypeName(1));
                    assertEquals(6, rs.getInt(1));
                    assertEquals(42, rs.getInt(2));
                    assertEquals(7, rs.getObject(3));
                    assertEquals("yx", rs.getString(4));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT ?::DATE + 1, ?::NUMERIC(10,3)")) {
                ps.setObject(1, "2024-02-28", Types.OTHER);
                ps.setObject(2, "1.5", Types.OTHER);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("2024-02-29", rs.getString(1));
                    assertEquals(new BigDecimal("1.500"), rs.getBigDecimal(2));
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE untyped(i INTEGER, d DATE)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO untyped VALUES (?, ?)")) {
                ps.setObject(1, "5", Types.OTHER); // the text is cast to the column's type by DuckDB
                ps.setObject(2, "2024-02-29", Types.OTHER);
                assertEquals(1, ps.executeUpdate());
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT i + 1, d FROM untyped WHERE i = ?")) {
                ps.setObject(1, "5", Types.OTHER);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(6, rs.getInt(1));
                    assertEquals(LocalDate.of(2024, 2, 29), rs.getObject(2, LocalDate.class));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT ?::INTEGER")) {
                ps.setObject(1, "five", Types.OTHER);
                assertEquals("22P02", assertThrows(PSQLException.class, ps::executeQuery).getSQLState());
            }
        }
    }

    @Test
    void ddlAndDmlReportTheirCounts() throws Exception {
        try (Connection c = duck(""); Statement s = c.createStatement()) {
            assertEquals(0, s.executeUpdate("CREATE TABLE dml(id INTEGER PRIMARY KEY, v VARCHAR)"));
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO dml VALUES (?, ?), (? + 1, ?)")) {
                ps.setInt(1, 1);
                ps.setString(2, "a");
                ps.setInt(3, 1);
                ps.setString(4, "b");
                assertEquals(2, ps.executeUpdate());
            }
            assertEquals(1, s.executeUpdate("INSERT INTO dml SELECT 3, 'c'"));
            try (PreparedStatement ps = c.prepareStatement("UPDATE dml SET v = upper(v) WHERE id >= ?")) {
                ps.setInt(1, 2);
                assertEquals(2, ps.executeUpdate());
            }
            assertEquals(1, s.executeUpdate("DELETE FROM dml WHERE id = 1"));
            assertEquals(0, s.executeUpdate("DELETE FROM dml WHERE id = 1"));
            try (ResultSet rs = s.executeQuery("SELECT string_agg(v, ',' ORDER BY id) FROM dml")) {
                assertTrue(rs.next());
                assertEquals("B,C", rs.getString(1));
            }
            assertEquals(0, s.executeUpdate("ALTER TABLE dml ADD COLUMN w INTEGER DEFAULT 7"));
            assertEquals(0, s.executeUpdate("CREATE VIEW dml_v AS SELECT id, w FROM dml"));
            try (ResultSet rs = s.executeQuery("SELECT sum(w) FROM dml_v")) {
                assertTrue(rs.next());
                assertEquals(14, rs.getInt(1));
            }
            s.execute("DROP VIEW dml_v");
            s.execute("DROP TABLE dml");
        }
    }

    @Test
    void transactionsAreVisibleAcrossConnectionsOnlyWhenCommitted() throws Exception {
        try (Connection a = duck(""); Connection b = duck(""); Statement sa = a.createStatement();
                Statement sb = b.createStatement()) {
            sa.execute("CREATE TABLE tx(id INTEGER)");
            a.setAutoCommit(false);
            sa.executeUpdate("INSERT INTO tx VALUES (1)");
            assertEquals(0, count(sb, "SELECT count(*) FROM tx"));
            a.commit();
            assertEquals(1, count(sb, "SELECT count(*) FROM tx"));
            sa.executeUpdate("INSERT INTO tx VALUES (2)");
            assertEquals(2, count(sa, "SELECT count(*) FROM tx"));
            a.rollback();
            assertEquals(1, count(sa, "SELECT count(*) FROM tx"));
            assertEquals(1, count(sb, "SELECT count(*) FROM tx"));
            a.setAutoCommit(true);
            sa.execute("DROP TABLE tx");
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    // ---- errors ----

    private static PSQLException error(Statement s, String sql) {
        return assertThrows(PSQLException.class, () -> {
            if (s.execute(sql)) {
                try (ResultSet rs = s.getResultSet()) {
                    while (rs.next()) {
                        // drain
                    }
                }
            }
        }, sql);
    }

    private static void assertState(Statement s, String state, String sql) {
        PSQLException e = error(s, sql);
        assertEquals(state, e.getSQLState(), sql + ": " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void errorsCarryPostgresSqlStates(int mode) throws Exception {
        try (Connection c = duck(MODES[mode]); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS errs_" + mode + "(id INTEGER PRIMARY KEY, v VARCHAR NOT NULL)");
            s.execute("DELETE FROM errs_" + mode);
            s.execute("INSERT INTO errs_" + mode + " VALUES (1, 'a')");
            assertState(s, "42601", "SELEC 1");
            assertState(s, "42P01", "SELECT * FROM no_such_table");
            assertState(s, "42883", "SELECT no_such_function(1)");
            assertState(s, "42704", "SELECT 1::no_such_type");
            assertState(s, "42703", "SELECT no_such_column FROM errs_" + mode);
            assertState(s, "22P02", "SELECT 'abc'::INTEGER");
            assertState(s, "22003", "SELECT 100000::SMALLINT");
            assertState(s, "23505", "INSERT INTO errs_" + mode + " VALUES (1, 'b')");
            assertState(s, "23502", "INSERT INTO errs_" + mode + " VALUES (2, NULL)");
            assertState(s, "42501", "SELECT * FROM read_csv('/etc/passwd')");
            s.execute("CREATE SEQUENCE IF NOT EXISTS errs_seq_" + mode + " MAXVALUE 2");
            // An error class without a PostgreSQL counterpart ("Sequence Error").
            assertState(s, "XX000", "SELECT nextval('errs_seq_" + mode + "') FROM range(3)");
            c.setAutoCommit(false);
            assertState(s, "42P01", "SELECT * FROM no_such_table");
            assertState(s, "25P02", "SELECT 1");
            c.rollback();
            c.setAutoCommit(true);
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM errs_" + mode)) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
            }
        }
    }

    @Test
    void positionIsSentWhenItPointsIntoTheClientsSql() throws Exception {
        try (Connection c = duck(""); Statement s = c.createStatement()) {
            PSQLException e = error(s, "SELECT 1 AS a\nFROM (SELECT 1) t\nWHERE nosuchcol = 1");
            assertEquals(39, e.getServerErrorMessage().getPosition());
            PSQLException rewritten = error(s, "SELECT pg_catalog.nosuchfn(1)");
            assertEquals("42883", rewritten.getSQLState());
            assertEquals(0, rewritten.getServerErrorMessage().getPosition());
        }
    }

    @Test
    void writeConflictIsASerializationFailure() throws Exception {
        try (Connection a = duck(""); Connection b = duck(""); Statement sa = a.createStatement();
                Statement sb = b.createStatement()) {
            sa.execute("CREATE TABLE conflict(id INTEGER PRIMARY KEY, v INTEGER)");
            sa.execute("INSERT INTO conflict VALUES (1, 0)");
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            sa.executeUpdate("UPDATE conflict SET v = 1 WHERE id = 1");
            PSQLException e = assertThrows(PSQLException.class,
                    () -> sb.executeUpdate("UPDATE conflict SET v = 2 WHERE id = 1"));
            assertEquals("40001", e.getSQLState(), e.getMessage());
            b.rollback();
            a.commit();
            b.setAutoCommit(true);
            assertEquals(1, count(sb, "SELECT v FROM conflict"));
            sb.execute("DROP TABLE conflict");
        }
    }

    @Test
    void readOnlyAttachmentRefusesWrites(@TempDir Path dir) throws Exception {
        String file = dir.resolve("ro.duckdb").toString();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER)");
            s.execute("INSERT INTO t VALUES (1)");
        }
        try (DuckDbHandler h = new DuckDbHandler(DuckDbConfig.inMemory().withAttachment("ro", file));
                BuenaVistaServer srv = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(h).build()
                        .start();
                Connection c = DriverManager.getConnection(url(srv, "")); Statement s = c.createStatement()) {
            assertEquals(1, count(s, "SELECT count(*) FROM ro.t"));
            assertState(s, "25006", "INSERT INTO ro.t VALUES (2)");
            assertEquals(1, count(s, "SELECT count(*) FROM ro.t"));
        }
    }

    @Test
    void outOfMemoryIs53200() throws Exception {
        try (DuckDbHandler h = new DuckDbHandler(DuckDbConfig.inMemory().withMemoryLimit("20MB"));
                BuenaVistaServer srv = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(h).build()
                        .start();
                Connection c = DriverManager.getConnection(url(srv, "")); Statement s = c.createStatement()) {
            assertState(s, "53200", "SELECT list(i) FROM range(100000000) t(i)");
            assertEquals(1, count(s, "SELECT 1"));
        }
    }

    // ---- cancel, streaming, metadata ----

    /**
     * One {@code Statement.cancel()}, sent once the server executes the query (DuckDB answers
     * {@code count(*) FROM range(10000000000)} from the range's size at once: a filter makes it work).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void cancelStopsALongQuery(int mode) throws Exception {
        ObservedHandler observed = new ObservedHandler(new DuckDbHandler(DuckDbConfig.inMemory()));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (BuenaVistaServer srv = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(observed)
                .build().start();
                Connection c = DriverManager.getConnection(url(srv, MODES[mode])); Statement s = c.createStatement()) {
            observed.reset();
            Future<PSQLException> running = executor.submit(() -> assertThrows(PSQLException.class,
                    () -> s.executeQuery("SELECT count(*) FROM range(10000000000) t(i) WHERE i % 7 = 3")));
            assertTrue(observed.awaitExecution(Duration.ofSeconds(30)));
            s.cancel();
            assertEquals("57014", running.get(60, TimeUnit.SECONDS).getSQLState());
            assertEquals(42, count(s, "SELECT 42"));
        } finally {
            executor.shutdownNow();
            observed.close();
        }
    }

    @Test
    void fetchSizeStreamsAMillionRows() throws Exception {
        try (Connection c = duck("")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SELECT i, 'row ' || i FROM range(1000000) t(i)")) {
                ps.setFetchSize(1000);
                long sum = 0;
                int rows = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sum += rs.getLong(1);
                        rows++;
                        if (rows == 1) {
                            assertEquals("row 0", rs.getString(2));
                        }
                    }
                }
                assertEquals(1_000_000, rows);
                assertEquals(999_999L * 1_000_000L / 2, sum);
            }
            c.commit();
        }
    }

    @Test
    void databaseMetaDataBasics() throws Exception {
        try (Connection c = duck(""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS meta_t(id INTEGER PRIMARY KEY, price DECIMAL(10,2), name VARCHAR)");
            DatabaseMetaData md = c.getMetaData();
            assertEquals("PostgreSQL", md.getDatabaseProductName());
            assertTrue(md.getDatabaseMajorVersion() >= 15, md.getDatabaseProductVersion());
            assertEquals("tester", md.getUserName());
            List<String> schemas = new ArrayList<>();
            try (ResultSet rs = md.getSchemas()) {
                while (rs.next()) {
                    schemas.add(rs.getString("TABLE_SCHEM"));
                }
            }
            assertTrue(schemas.contains("public"), schemas.toString());
            try (ResultSet rs = md.getTables(null, "public", "meta_t", new String[] {"TABLE"})) {
                assertTrue(rs.next());
                assertEquals("meta_t", rs.getString("TABLE_NAME"));
                assertFalse(rs.next());
            }
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, "public", "meta_t", null)) {
                while (rs.next()) {
                    columns.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " "
                            + rs.getInt("DATA_TYPE") + " " + rs.getInt("COLUMN_SIZE") + " "
                            + rs.getInt("DECIMAL_DIGITS"));
                }
            }
            assertEquals(List.of("id int4 4 10 0", "price numeric 2 10 2", "name text 12 2147483647 0"), columns);
        }
    }

    /**
     * A server-prepared statement whose result columns changed under it: another session adds a column, and the
     * server answers the next Bind → Execute with 0A000 "cached plan must not change result type" (routine
     * RevalidateCachedQuery), on which pgjdbc prepares it again by itself and reads both columns. Without the check
     * pgjdbc would read the new result with the old RowDescription (one column). Compared with PostgreSQL.
     */
    @Test
    void aPreparedStatementWhoseResultChangedIsPreparedAgainAsOnPostgres() throws Exception {
        String table = "plan_t_" + ProcessHandle.current().pid();
        List<String> onPostgres = resultChangeStory(() -> pg("prepareThreshold=1"), table);
        List<String> onDuck = resultChangeStory(() -> duck("prepareThreshold=1"), table);
        assertEquals(onPostgres, onDuck);
        assertEquals("2 columns: 1 x", onDuck.get(3));
    }

    private interface Connector {
        Connection open() throws SQLException;
    }

    private static List<String> resultChangeStory(Connector connector, String table) throws SQLException {
        List<String> story = new ArrayList<>();
        try (Connection a = connector.open(); Connection b = connector.open(); Statement sb = b.createStatement()) {
            sb.execute("CREATE TABLE " + table + "(a INTEGER)");
            try {
                sb.execute("INSERT INTO " + table + " VALUES (1)");
                try (PreparedStatement ps = a.prepareStatement("SELECT * FROM " + table)) {
                    for (int i = 0; i < 4; i++) {
                        if (i == 2) {
                            sb.execute("ALTER TABLE " + table + " ADD COLUMN b VARCHAR DEFAULT 'x'");
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            int n = rs.getMetaData().getColumnCount();
                            assertTrue(rs.next());
                            story.add(n == 1 ? "1 column" : n + " columns: " + rs.getInt(1) + " " + rs.getString(2));
                        } catch (PSQLException e) {
                            story.add(e.getSQLState() + " " + e.getServerErrorMessage().getMessage());
                        }
                    }
                }
            } finally {
                sb.execute("DROP TABLE " + table);
            }
        }
        return story;
    }

    /**
     * PostgreSQL's numeric has no fixed precision or scale; DuckDB's bare NUMERIC is DECIMAL(18,3). A numeric
     * parameter keeps every digit, in every query mode, compared with PostgreSQL.
     */
    @ParameterizedTest
    @ValueSource(strings = {"preferQueryMode=simple", "preferQueryMode=extended",
            "preferQueryMode=extended&prepareThreshold=-1"})
    void numericParametersKeepEveryDigitAsOnPostgres(String mode) throws Exception {
        // (not round(): DuckDB's keeps an integer's scale where PostgreSQL's pads it, 5 against 5.00)
        String[] queries = {"select ?::numeric", "select ?", "select ?::numeric + 1",
                "select ?::numeric * 2", "select abs(?::decimal)", "select ?::numeric(10,2)",
                "select sum(x) from (select ?::numeric as x) t"};
        String[] values = {"1.50", "1.23456789", "-12345678901234567890.123456", "0.000001", "5", "1E+3"};
        try (Connection d = duck(mode); Connection p = pg(mode)) {
            for (String q : queries) {
                for (String v : values) {
                    if (mode.endsWith("simple") && q.equals("select ?") && new BigDecimal(v).scale() <= 0) {
                        // Inlined as '5'::numeric, an integer literal becomes a DuckDB integer (so that it can
                        // also go into a VARINT column): the value is right, the column is int8, not numeric.
                        continue;
                    }
                    assertEquals(numericResult(p, q, v), numericResult(d, q, v), q + " with " + v + ", " + mode);
                }
            }
        }
    }

    /** A bare numeric cast of an expression keeps its digits (DuckDB alone would round to three places). */
    @Test
    void numericCastsOfExpressionsKeepTheirDigitsAsOnPostgres() throws Exception {
        String[] queries = {"select 5::numeric", "select 1.23456::numeric", "select 1.23456::float8::numeric",
                "select (0.000125::float8 * 2)::numeric", "select count(*)::numeric from generate_series(1, 3)",
                "select 12345678901234567890::numeric", "select (x / 8)::numeric from (select 1::float8 as x) t",
                "select sum(x)::numeric(10,2) from (select 1.005 as x) t"};
        try (Connection d = duck(""); Connection p = pg(""); Statement sd = d.createStatement();
                Statement sp = p.createStatement()) {
            for (String q : queries) {
                try (ResultSet rd = sd.executeQuery(q); ResultSet rp = sp.executeQuery(q)) {
                    assertTrue(rd.next());
                    assertTrue(rp.next());
                    assertEquals(rp.getMetaData().getColumnTypeName(1) + " " + rp.getString(1),
                            rd.getMetaData().getColumnTypeName(1) + " " + rd.getString(1), q);
                }
            }
        }
    }

    /**
     * generate_series in a select list returns rows, as in PostgreSQL (DuckDB's scalar one returns a list). Their
     * type is DuckDB's, bigint, where PostgreSQL's follows the arguments.
     */
    @Test
    void setReturningCallsInASelectListReturnRowsAsOnPostgres() throws Exception {
        String[] queries = {"select generate_series(1, 3)", "select pg_catalog.generate_series(1, 2) as n",
                "select x, generate_series(1, x) from (values (1), (2)) v(x) order by 1, 2",
                "select * from (select generate_series(1, 2)) s", "select count(*) from generate_series(1, 4)"};
        try (Connection d = duck(""); Connection p = pg(""); Statement sd = d.createStatement();
                Statement sp = p.createStatement()) {
            for (String q : queries) {
                assertEquals(rowsOf(sp, q), rowsOf(sd, q), q);
            }
        }
    }

    /** An INSERT with fewer values than columns fills the first ones, the rest get their defaults, in and out of a block. */
    @Test
    void insertWithFewerValuesThanColumnsAsOnPostgres() throws Exception {
        String table = "fewer_" + ProcessHandle.current().pid();
        for (Connection c : new Connection[] {duck(""), pg("")}) {
            try (c; Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + table + "(id INTEGER, name VARCHAR DEFAULT 'none', n INTEGER DEFAULT 7)");
                try {
                    s.execute("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b')");
                    c.setAutoCommit(false);
                    s.execute("INSERT INTO " + table + " VALUES (3)");
                    c.commit();
                    c.setAutoCommit(true);
                    assertEquals(List.of("id name n ", "1 a 7 ", "2 b 7 ", "3 none 7 "),
                            rowsOf(s, "SELECT * FROM " + table + " ORDER BY id"));
                } finally {
                    c.setAutoCommit(true);
                    s.execute("DROP TABLE " + table);
                }
            }
        }
    }

    private static List<String> rowsOf(Statement s, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData m = rs.getMetaData();
            StringBuilder header = new StringBuilder();
            for (int i = 1; i <= m.getColumnCount(); i++) {
                header.append(m.getColumnLabel(i)).append(' ');
            }
            rows.add(header.toString());
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= m.getColumnCount(); i++) {
                    row.append(rs.getString(i)).append(' ');
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    private static String numericResult(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setBigDecimal(1, new BigDecimal(value));
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getMetaData().getColumnTypeName(1) + " " + rs.getBigDecimal(1);
            }
        } catch (PSQLException e) {
            return e.getSQLState();
        }
    }
}
