package io.buenavista.core.duckdb;

import io.buenavista.core.server.BuenaVistaServer;

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
import java.util.concurrent.CountDownLatch;
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
}
