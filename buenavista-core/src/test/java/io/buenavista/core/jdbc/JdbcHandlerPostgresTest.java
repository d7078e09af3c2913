package io.buenavista.core.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.flush;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.sync;
import static io.buenavista.testing.Frontend.text;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.DataRow;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.WireClient;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The generic JDBC handler serving a Buena Vista server, with the shared PostgreSQL 15 behind it through pgjdbc as
 * the backend driver, and pgjdbc clients in front: what the clients get is PostgreSQL's own answer, streamed.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against a hang, not a measurement
class JdbcHandlerPostgresTest {
    private static final String SCHEMA = "jdbc_handler_" + Long.toHexString(System.nanoTime());
    private static final String BACKEND = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";
    private static final int FETCH_SIZE = 500;

    private static BuenaVistaServer server;

    @BeforeAll
    static void start() throws SQLException {
        try (Connection c = DriverManager.getConnection(BACKEND); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + SCHEMA);
            s.execute("CREATE TABLE " + SCHEMA + ".person (person_id int PRIMARY KEY, name text)");
            s.execute("INSERT INTO " + SCHEMA + ".person VALUES (1, 'Ada'), (2, 'Grace')");
        }
        JdbcHandler handler = new JdbcHandler("jdbc",
                context -> DriverManager.getConnection(BACKEND + "&currentSchema=" + SCHEMA
                        + "&ApplicationName=bv-jdbc-handler-test"),
                JdbcDialect.POSTGRESQL, FETCH_SIZE);
        server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
    }

    @AfterAll
    static void stop() throws SQLException {
        if (server != null) {
            server.close();
        }
        try (Connection c = DriverManager.getConnection(BACKEND); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    private static Connection client(String params) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                + "/test?user=tester&sslmode=disable" + (params.isEmpty() ? "" : "&" + params));
    }

    private static Connection direct() throws SQLException {
        return DriverManager.getConnection(BACKEND);
    }

    private static final String TYPES = "SELECT 1::int2 AS i2, 2::int4 AS i4, 3::int8 AS i8, 12.50::numeric(10,2) AS n,"
            + " 1.5::float4 AS f4, 2.25::float8 AS f8, true AS b, 'text'::text AS t, 'vc'::varchar(10) AS vc,"
            + " DATE '2024-02-29' AS d, TIME '13:14:15.123456' AS tm, TIMESTAMP '2024-02-29 13:14:15.5' AS ts,"
            + " TIMESTAMPTZ '2024-02-29 13:14:15+02' AS tz, '\\xdeadbeef'::bytea AS by,"
            + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, '{\"k\": [1, 2]}'::json AS j";

    @Test
    void everyCommonTypeArrivesAsPostgresqlSendsIt() throws SQLException {
        for (String mode : new String[] {"preferQueryMode=simple", "preferQueryMode=extended",
                "preferQueryMode=extended&prepareThreshold=-1"}) { // text, and binary results from the first run
            try (Connection c = client(mode); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(TYPES)) {
                ResultSetMetaData meta = rs.getMetaData();
                List<String> types = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    types.add(meta.getColumnTypeName(i));
                }
                assertEquals(List.of("int2", "int4", "int8", "numeric", "float4", "float8", "bool", "text", "varchar",
                        "date", "time", "timestamp", "timestamptz", "bytea", "uuid", "json"), types, mode);
                assertTrue(rs.next());
                assertEquals((short) 1, rs.getShort("i2"));
                assertEquals(2, rs.getInt("i4"));
                assertEquals(3L, rs.getLong("i8"));
                assertEquals(new BigDecimal("12.50"), rs.getBigDecimal("n"));
                assertEquals(10, meta.getPrecision(4), "numeric(10,2) keeps its type modifier");
                assertEquals(2, meta.getScale(4));
                assertEquals(1.5f, rs.getFloat("f4"));
                assertEquals(2.25, rs.getDouble("f8"));
                assertTrue(rs.getBoolean("b"));
                assertEquals("text", rs.getString("t"));
                assertEquals("vc", rs.getString("vc"));
                assertEquals(LocalDate.of(2024, 2, 29), rs.getObject("d", LocalDate.class));
                assertEquals(LocalTime.of(13, 14, 15, 123_456_000), rs.getObject("tm", LocalTime.class));
                assertEquals(LocalDateTime.of(2024, 2, 29, 13, 14, 15, 500_000_000),
                        rs.getObject("ts", LocalDateTime.class));
                assertEquals(OffsetDateTime.of(2024, 2, 29, 11, 14, 15, 0, ZoneOffset.UTC).toInstant(),
                        rs.getObject("tz", OffsetDateTime.class).toInstant());
                assertArrayEquals(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef},
                        rs.getBytes("by"));
                assertEquals(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), rs.getObject("u"));
                assertEquals("{\"k\": [1, 2]}", rs.getString("j"));
                assertFalse(rs.next());
            }
        }
    }

    @Test
    void oneDimensionalArraysKeepTheirType() throws SQLException {
        for (String mode : new String[] {"preferQueryMode=simple", "prepareThreshold=-1"}) {
            try (Connection c = client(mode); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT ARRAY[1, NULL, 3]::int4[] AS i,"
                        + " ARRAY['a', 'b c', NULL]::text[] AS t, ARRAY[1.5, 2]::numeric[] AS n,"
                        + " ARRAY[DATE '2024-02-29'] AS d, ARRAY[interval '1 day'] AS other")) {
                    ResultSetMetaData meta = rs.getMetaData();
                    assertEquals("_int4", meta.getColumnTypeName(1), mode);
                    assertEquals("_text", meta.getColumnTypeName(2));
                    assertEquals("_numeric", meta.getColumnTypeName(3));
                    assertEquals("_date", meta.getColumnTypeName(4));
                    assertEquals("text", meta.getColumnTypeName(5), "an array type not in the table is its text");
                    assertTrue(rs.next(), mode);
                    assertArrayEquals(new Integer[] {1, null, 3}, (Object[]) rs.getArray(1).getArray());
                    assertArrayEquals(new String[] {"a", "b c", null}, (Object[]) rs.getArray(2).getArray());
                    assertArrayEquals(new BigDecimal[] {new BigDecimal("1.5"), new BigDecimal("2")},
                            (Object[]) rs.getArray(3).getArray());
                    assertEquals("{2024-02-29}", rs.getString(4));
                    assertEquals("{\"1 day\"}", rs.getString(5));
                }
                // The core sends one-dimensional arrays only: a two-dimensional value is an error for its statement.
                SQLException nested = assertThrows(SQLException.class,
                        () -> s.executeQuery("SELECT ARRAY[[1, 2], [3, 4]]").next());
                assertTrue(nested.getSQLState().startsWith("22") || nested.getSQLState().equals("0A000"),
                        nested.getSQLState());
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    assertTrue(rs.next());
                }
            }
        }
    }

    @Test
    void everyCommonTypeGoesBackAsAParameter() throws SQLException {
        Object[] values = {(short) 1, 2, 3L, new BigDecimal("12.50"), 1.5f, 2.25, true, "text",
                LocalDate.of(2024, 2, 29), LocalTime.of(13, 14, 15, 123_456_000),
                LocalDateTime.of(2024, 2, 29, 13, 14, 15, 500_000_000),
                OffsetDateTime.of(2024, 2, 29, 11, 14, 15, 0, ZoneOffset.UTC),
                new byte[] {(byte) 0xde, 0, (byte) 0xef}, UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")};
        String sql = "SELECT ?::int2, ?::int4, ?::int8, ?::numeric, ?::float4, ?::float8, ?::bool, ?::text, ?::date,"
                + " ?::time, ?::timestamp, ?::timestamptz, ?::bytea, ?::uuid";
        for (String mode : new String[] {"preferQueryMode=extended", "prepareThreshold=-1"}) { // text, binary
            try (Connection c = client(mode); PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < values.length; i++) {
                    ps.setObject(i + 1, values[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals((short) 1, rs.getShort(1));
                    assertEquals(2, rs.getInt(2));
                    assertEquals(3L, rs.getLong(3));
                    assertEquals(new BigDecimal("12.50"), rs.getBigDecimal(4));
                    assertEquals(1.5f, rs.getFloat(5));
                    assertEquals(2.25, rs.getDouble(6));
                    assertTrue(rs.getBoolean(7));
                    assertEquals("text", rs.getString(8));
                    assertEquals(values[8], rs.getObject(9, LocalDate.class));
                    assertEquals(values[9], rs.getObject(10, LocalTime.class));
                    assertEquals(values[10], rs.getObject(11, LocalDateTime.class));
                    assertEquals(((OffsetDateTime) values[11]).toInstant(),
                            rs.getObject(12, OffsetDateTime.class).toInstant());
                    assertArrayEquals((byte[]) values[12], rs.getBytes(13));
                    assertEquals(values[13], rs.getObject(14));
                }
                for (int i = 0; i < values.length; i++) {
                    ps.setNull(i + 1, java.sql.Types.NULL);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    for (int i = 1; i <= values.length; i++) {
                        assertNull(rs.getObject(i), mode + " column " + i);
                    }
                }
            }
        }
    }

    @Test
    void nullsOfEveryTypeAreNulls() throws SQLException {
        String nulls = "SELECT NULL::int2, NULL::int4, NULL::int8, NULL::numeric(10,2), NULL::float4, NULL::float8,"
                + " NULL::bool, NULL::text, NULL::varchar(10), NULL::date, NULL::time, NULL::timestamp,"
                + " NULL::timestamptz, NULL::bytea, NULL::uuid, NULL::json";
        try (Connection c = client("prepareThreshold=-1"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(nulls)) {
            assertTrue(rs.next());
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                assertNull(rs.getObject(i), rs.getMetaData().getColumnLabel(i) + " in " + nulls);
            }
        }
    }

    @Test
    void errorsKeepPostgresqlsSqlstateAndTheSessionGoesOn() throws SQLException {
        try (Connection c = client(""); Statement s = c.createStatement()) {
            assertEquals("42601", assertThrows(SQLException.class, () -> s.execute("SELEC 1")).getSQLState());
            SQLException zero = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1/0"));
            assertEquals("22012", zero.getSQLState());
            assertTrue(zero.getMessage().contains("division by zero"), zero.getMessage());
            assertEquals("23505", assertThrows(SQLException.class,
                    () -> s.execute("INSERT INTO person VALUES (1, 'again')")).getSQLState());
            assertEquals("42P01", assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT * FROM no_such_table")).getSQLState());
            try (ResultSet rs = s.executeQuery("SELECT name FROM person WHERE person_id = 2")) {
                assertTrue(rs.next());
                assertEquals("Grace", rs.getString(1));
            }
        }
    }

    @Test
    void parametersAreReorderedAndRepeatedForTheDriver() throws SQLException {
        try (Connection c = client("preferQueryMode=extended"); PreparedStatement ps = c.prepareStatement(
                "SELECT name, ? AS first, ?::text AS second FROM person WHERE person_id = ?")) {
            ps.setString(1, "x");
            ps.setString(2, "y");
            ps.setInt(3, 1);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("Ada", rs.getString(1));
                assertEquals("x", rs.getString(2));
                assertEquals("y", rs.getString(3));
            }
        }
    }

    @Test
    void searchPathAndTimeZoneReachTheBackend() throws SQLException {
        try (Connection c = client(""); Statement s = c.createStatement()) {
            s.execute("SET search_path TO pg_catalog");
            assertEquals("42P01", assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT * FROM person")).getSQLState(), "the handler's schema is off the path");
            s.execute("SET search_path TO \"$user\", " + SCHEMA);
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM person WHERE person_id <= 2")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1));
            }
            s.execute("SET TimeZone TO 'Asia/Kolkata'");
            try (ResultSet rs = s.executeQuery("SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00'::text")) {
                assertTrue(rs.next());
                assertEquals("2024-01-01 05:30:00+05:30", rs.getString(1), "rendered by the backend in the zone");
            }
            SQLException bad = assertThrows(SQLException.class, () -> s.execute("SET TimeZone TO 'Nowhere/Else'"));
            assertEquals("22023", bad.getSQLState());
        }
    }

    @Test
    void theClientsStartupTimeZoneIsTheBackends() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "tester");
        props.setProperty("sslmode", "disable");
        props.setProperty("options", "-c TimeZone=America/New_York");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/test",
                props); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('TimeZone')")) {
            assertTrue(rs.next());
            assertEquals("America/New_York", rs.getString(1));
        }
    }

    @Test
    void twoPortalsOfOneStatementAreReadInTurns() {
        try (WireClient wire = WireClient.connect("127.0.0.1", server.port())) {
            wire.login("tester", "test");
            wire.send(parse("s", "SELECT i FROM generate_series(1, $1::int) i", 23),
                    bind("p1", "s", text("3")), execute("p1", 1),
                    bind("p2", "s", text("2")), execute("p2", 0),
                    execute("p1", 0), sync());
            List<String> rows = new ArrayList<>();
            for (BackendMessage m : wire.readUntilReady()) {
                if (m instanceof DataRow row) {
                    rows.add(row.text(0));
                } else if (m instanceof ErrorResponse e) {
                    throw new AssertionError(e.toString());
                }
            }
            assertEquals(List.of("1", "1", "2", "2", "3"), rows, "p1's first row, all of p2, the rest of p1");
        }
    }

    @Test
    void aClientThatLeavesMidStreamCommitsNothing() throws Exception {
        // As in PostgreSQL: the statement's implicit transaction ends with the connection, rolled back.
        try (WireClient wire = WireClient.connect("127.0.0.1", server.port())) {
            wire.login("tester", "test");
            wire.send(parse("", "INSERT INTO person SELECT g, 'bulk' FROM generate_series(1000, 1999) g"
                    + " RETURNING person_id", new int[0]), bind("", ""), execute("", 1), flush());
            wire.expect(BackendMessage.ParseComplete.class);
            wire.expect(BackendMessage.BindComplete.class);
            assertEquals("1000", wire.expect(DataRow.class).text(0));
            wire.expect(BackendMessage.PortalSuspended.class);
        }
        for (int i = 0; i < 200 && server.connectionCount() > 0; i++) {
            Thread.sleep(25);
        }
        assertEquals(0, server.connectionCount());
        try (Connection c = direct(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM " + SCHEMA + ".person WHERE person_id >= 1000")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1));
        }
    }

    @Test
    void jsonbQuestionMarkOperatorsAreNotPlaceholders() throws SQLException {
        try (Connection c = client("preferQueryMode=extended"); PreparedStatement ps = c.prepareStatement(
                "SELECT '{\"a\": 1}'::jsonb ?? 'a', '{\"a\": 1}'::jsonb ??| array['b'], ?::int")) {
            ps.setInt(1, 7); // pgjdbc, the client, sends "?" for ?? and $1 for ?
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertTrue(rs.getBoolean(1));
                assertFalse(rs.getBoolean(2));
                assertEquals(7, rs.getInt(3));
            }
        }
    }

    @Test
    void untypedParametersAreTypedByTheDatabase() {
        // node-postgres declares no types (OID 0) and sends text: PostgreSQL, through the driver, infers int4 here.
        try (WireClient wire = WireClient.connect("127.0.0.1", server.port())) {
            wire.login("tester", "test");
            wire.send(parse("", "SELECT name FROM person WHERE person_id = $1", new int[0]),
                    bind("", "", text("2")), execute("", 0), sync());
            List<BackendMessage> messages = wire.readUntilReady();
            List<String> names = messages.stream().filter(m -> m instanceof DataRow)
                    .map(m -> ((DataRow) m).text(0)).toList();
            assertEquals(List.of("Grace"), names, BackendMessage.describe(messages));
            wire.send(parse("", "SELECT name FROM person WHERE person_id = $1", new int[0]),
                    bind("", "", text("two")), execute("", 0), sync());
            ErrorResponse e = (ErrorResponse) wire.readUntilReady().stream()
                    .filter(m -> m instanceof ErrorResponse).findFirst().orElseThrow();
            assertEquals("22P02", e.sqlState(), "not an integer: as PostgreSQL says it");
        }
    }

    @Test
    void copyToStdoutRunsTheQueryThroughTheHandler() throws Exception {
        try (Connection c = client("")) {
            java.io.StringWriter out = new java.io.StringWriter();
            long rows = new org.postgresql.copy.CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class))
                    .copyOut("COPY (SELECT person_id, name FROM person WHERE person_id <= 2 ORDER BY 1) TO STDOUT"
                            + " WITH (FORMAT csv)", out);
            assertEquals(2, rows);
            assertEquals("1,Ada\n2,Grace\n", out.toString());
        }
    }

    @Test
    void transactionsCommitAndRollBackOnTheBackend() throws SQLException {
        try (Connection c = client(""); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO person VALUES (10, 'rolled back')");
            c.rollback();
            s.execute("INSERT INTO person VALUES (11, 'committed')");
            c.commit();
        }
        try (Connection c = direct(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT person_id FROM " + SCHEMA + ".person WHERE person_id >= 10")) {
            assertTrue(rs.next());
            assertEquals(11, rs.getInt(1));
            assertFalse(rs.next());
        }
    }

    @Test
    void aMillionRowsArriveInFetchSizedBatches() throws SQLException {
        // That the handler streams rather than materializes is shown by the errors met mid-stream (below).
        String marker = "stream_" + Long.toHexString(System.nanoTime());
        try (Connection c = client("preferQueryMode=extended")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(100);
                try (ResultSet rs = s.executeQuery("SELECT i AS " + marker + " FROM generate_series(1, 1000000) i")) {
                    assertTrue(rs.next());
                    long count = 1;
                    long sum = rs.getLong(1);
                    while (rs.next()) {
                        count++;
                        sum += rs.getLong(1);
                    }
                    assertEquals(1_000_000, count);
                    assertEquals(500_000_500_000L, sum);
                }
            }
            c.commit();
        }
    }

    @Test
    void anErrorMidStreamArrivesAfterTheRowsBeforeIt() throws SQLException {
        // A materialized result would fail before its first row; a streamed one delivers the rows before the failure.
        try (Connection c = client("preferQueryMode=extended")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(100);
                assertEquals("22012", failsAfter(s).getSQLState());
                // The handler fetches 500 rows at a time: the batch that holds the failing row fails as a whole.
                assertTrue(rowsBeforeFailure >= 199_000 && rowsBeforeFailure < 200_000,
                        "rows before the error: " + rowsBeforeFailure);
            }
            c.rollback();
        }
    }

    @Test
    void outsideABlockTooTheRowsStreamInAnImplicitTransaction() {
        // A simple Query in autocommit: the handler still fetches in batches (pgjdbc, the backend driver, streams
        // only inside a transaction), so the rows before the failure reach the client, and that transaction ends with
        // the statement.
        try (WireClient wire = WireClient.connect("127.0.0.1", server.port())) {
            wire.login("tester", "test");
            List<BackendMessage> messages = wire.simpleQuery(
                    "SELECT 1 / (200000 - i) FROM generate_series(1, 400000) i");
            long rows = messages.stream().filter(m -> m instanceof DataRow).count();
            assertTrue(rows >= 199_000 && rows < 200_000, "rows before the error: " + rows);
            assertEquals("22012", ((ErrorResponse) messages.get(messages.size() - 2)).sqlState());
            assertEquals(new ReadyForQuery('I'), messages.get(messages.size() - 1));
            assertEquals(0, handlerBackendsIn("idle in transaction"), "the failed one was rolled back");
            wire.simpleQuery("SELECT name FROM person WHERE person_id = 1");
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void parameterNumbersOutOfOrderAndRepeatedReachTheDriverInItsOrder() {
        // node-postgres and hand-written SQL reference $n in any order, and more than once.
        try (WireClient wire = WireClient.connect("127.0.0.1", server.port())) {
            wire.login("tester", "test");
            wire.send(parse("", "SELECT $2 || '-' || name || '-' || $2 FROM person WHERE person_id = $1", 23, 25),
                    bind("", "", text("2", "z")), execute("", 0), sync());
            List<BackendMessage> messages = wire.readUntilReady();
            DataRow row = (DataRow) messages.stream().filter(m -> m instanceof DataRow).findFirst().orElseThrow(
                    () -> new AssertionError(BackendMessage.describe(messages)));
            assertEquals("z-Grace-z", row.text(0));
        }
    }

    private long rowsBeforeFailure;

    private SQLException failsAfter(Statement s) throws SQLException {
        rowsBeforeFailure = 0;
        try (ResultSet rs = s.executeQuery("SELECT 1 / (200000 - i) FROM generate_series(1, 400000) i")) {
            while (rs.next()) {
                rs.getInt(1);
                rowsBeforeFailure++;
            }
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("no error after " + rowsBeforeFailure + " rows");
    }

    @Test
    void aStreamOutsideABlockRunsInItsOwnTransactionAndLeavesNoneOpen() throws SQLException {
        String marker = "implicit_" + Long.toHexString(System.nanoTime());
        try (Connection c = client("preferQueryMode=simple"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT i AS " + marker
                    + " FROM generate_series(1, 200000) i) t")) {
                assertTrue(rs.next());
                assertEquals(200_000, rs.getLong(1));
            }
            try (ResultSet rs = s.executeQuery("SELECT 1 AS " + marker)) {
                assertTrue(rs.next());
            }
            assertEquals(0, handlerBackendsIn("idle in transaction"), "the implicit transactions were committed");
        }
    }

    @Test
    void oneCancelRequestStopsPgSleepOnTheBackend() throws Exception {
        String marker = "sleep_" + Long.toHexString(System.nanoTime());
        try (Connection c = client(""); Statement s = c.createStatement()) {
            CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    s.executeQuery("SELECT pg_sleep(60) AS " + marker);
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            awaitBackendState(marker, "active");
            s.cancel(); // pgjdbc sends one CancelRequest to the server
            SQLException e = outcome.get(60, TimeUnit.SECONDS);
            assertEquals("57014", e.getSQLState());
            assertEquals(0, handlerBackendsIn("active"), "the backend's pg_sleep was cancelled too");
            assertEquals(0, handlerBackendsIn("idle in transaction"));
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM person WHERE person_id <= 2")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1));
            }
        }
    }

    @Test
    void statementTimeoutStopsTheBackendStatement() throws SQLException {
        try (Connection c = client(""); Statement s = c.createStatement()) {
            s.execute("SET statement_timeout = 300");
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT pg_sleep(60)"));
            assertEquals("57014", e.getSQLState());
            s.execute("SET statement_timeout = 0");
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
        }
    }

    /** The state in pg_stat_activity of the backend whose last query contains {@code marker}. */
    private static String backendState(String marker) throws SQLException {
        try (Connection c = direct(); PreparedStatement ps = c.prepareStatement(
                "SELECT state FROM pg_stat_activity WHERE query LIKE ? AND pid <> pg_backend_pid()"
                        + " AND query NOT LIKE '%pg_stat_activity%'")) {
            ps.setString(1, "%" + marker + "%");
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "no backend ran " + marker);
                String state = rs.getString(1);
                assertFalse(rs.next(), "two backends ran " + marker);
                return state;
            }
        }
    }

    /** How many of the handler's backend connections are in this state. */
    private static int handlerBackendsIn(String state) throws SQLException {
        try (Connection c = direct(); PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                + " WHERE application_name = 'bv-jdbc-handler-test' AND state = ?")) {
            ps.setString(1, state);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static void awaitBackendState(String marker, String state) throws Exception {
        for (int i = 0; i < 600; i++) {
            try {
                if (state.equals(backendState(marker))) {
                    return;
                }
            } catch (AssertionError notYet) {
                // the statement has not reached the backend yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError(marker + " never became " + state);
    }
}
