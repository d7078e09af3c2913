package io.buenavista.core.duckdb;

import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SqlState;
import io.buenavista.core.server.BuenaVistaServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.buenavista.core.duckdb.DuckDbTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A statement that runs while a cursor is still open makes the cursor read the rest of its result ahead (DuckDB
 * runs one thing at a time on a connection). The read-ahead keeps the session's heap bounded (a temporary file
 * beyond a small budget), is part of the statement that triggered it (cancel and statement_timeout stop it, the
 * cursor stays intact), and the cursor's rows stay exactly what streaming them gives.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DuckDbReadAheadTest {
    @TempDir
    Path spillDir;
    private DuckDbHandler handler;
    private DuckDbSession session;

    @BeforeEach
    void open() {
        handler = new DuckDbHandler(DuckDbConfig.inMemory().withTempDirectory(spillDir.toString()));
        session = (DuckDbSession) handler.open(new DuckDbTestSupport.TestContext());
    }

    @AfterEach
    void close() {
        session.close();
        handler.close();
    }

    private RowCursor open(String sql) {
        PreparedQuery q = session.prepare(sql, List.of());
        return ((ExecutionResult.Rows) q.execute(List.of())).cursor();
    }

    @Test
    void rowsBeyondTheBudgetGoToAFileThatGoesWithTheCursor() throws IOException {
        long rows = 200_000;
        RowCursor cursor = open("SELECT i, repeat('x', 100) || i AS s FROM range(" + rows + ") t(i)");
        for (long i = 0; i < 3; i++) {
            assertTrue(cursor.next());
        }
        assertEquals(7, single(session, "SELECT 7"));
        // ~22 MB of rows against a 1 MiB budget: on disk, in a file unlinked at once (only the descriptor holds it).
        assertTrue(((DuckDbCursor) cursor).spilledToDisk());
        assertTrue(openSpillFiles() >= 1);
        try (Stream<Path> names = Files.list(spillDir)) {
            assertEquals(List.of(), names.filter(p -> p.getFileName().toString().startsWith("buenavista-rows"))
                    .toList());
        }
        assertEquals(2L, cursor.get(0)); // still on the row it was on
        assertEquals("x".repeat(100) + 2, cursor.get(1));
        long count = 3;
        long sum = 0 + 1 + 2;
        while (cursor.next()) {
            long i = (Long) cursor.get(0);
            assertEquals(count, i);
            assertEquals("x".repeat(100) + i, cursor.get(1));
            sum += i;
            count++;
        }
        assertEquals(rows, count);
        assertEquals(rows * (rows - 1) / 2, sum);
        cursor.close();
        assertEquals(0, openSpillFiles());
        assertEquals(0, session.spills().openSpills());
    }

    @Test
    void theSessionsEndRemovesFilesOfCursorsLeftOpen() throws IOException {
        RowCursor a = open("SELECT i FROM range(300000) t(i)");
        assertTrue(a.next());
        RowCursor b = open("SELECT i::VARCHAR FROM range(300000) t(i)"); // a reads ahead
        assertTrue(b.next());
        assertEquals(1, single(session, "SELECT 1")); // b reads ahead
        assertTrue(openSpillFiles() >= 2);
        session.close();
        assertEquals(0, openSpillFiles());
    }

    /** However many cursors a session holds open, the rows they read ahead take at most the budget of its heap. */
    @Test
    void manyOpenCursorsShareOneMemoryBudget() throws IOException {
        int cursors = 40;
        long rows = 20_000;
        List<RowCursor> open = new java.util.ArrayList<>();
        for (int k = 0; k < cursors; k++) {
            RowCursor c = open("SELECT i + " + k + " AS v FROM range(" + rows + ") t(i)"); // the previous reads ahead
            assertTrue(c.next());
            assertEquals((long) k, c.get(0));
            open.add(c);
            assertTrue(session.spills().memoryUsed() <= DuckDbSession.SPILL_MEMORY);
        }
        assertEquals(1, single(session, "SELECT 1"));
        assertTrue(session.spills().memoryUsed() <= DuckDbSession.SPILL_MEMORY);
        assertTrue(openSpillFiles() > 0);
        for (int k = cursors - 1; k >= 0; k--) {
            RowCursor c = open.get(k);
            long n = 1;
            while (c.next()) {
                assertEquals(n + k, c.get(0));
                n++;
            }
            assertEquals(rows, n);
            c.close();
        }
        assertEquals(0, session.spills().memoryUsed());
        assertEquals(0, openSpillFiles());
    }

    @Test
    void aSmallRestStaysInMemory() throws IOException {
        RowCursor cursor = open("SELECT i FROM range(1000) t(i)");
        assertTrue(cursor.next());
        assertEquals(1, single(session, "SELECT 1"));
        assertFalse(((DuckDbCursor) cursor).spilledToDisk());
        assertEquals(0, openSpillFiles());
        long n = 1;
        while (cursor.next()) {
            assertEquals(n++, cursor.get(0));
        }
        assertEquals(1000, n);
        cursor.close();
    }

    @Test
    void closingTheStatementReadsNothingAhead() {
        // A billion rows: reading them ahead would not end within the test's time.
        PreparedQuery q = session.prepare("SELECT x FROM range(1000000000) t(x)", List.of());
        RowCursor cursor = ((ExecutionResult.Rows) q.execute(List.of())).cursor();
        assertTrue(cursor.next());
        q.close();
        assertEquals(0, session.spills().openSpills());
        for (long i = 1; i < 100; i++) {
            assertTrue(cursor.next());
            assertEquals(i, cursor.get(0));
        }
        cursor.close();
        assertEquals(3, single(session, "SELECT 3")); // the statement was closed with the cursor's result
    }

    /** A setting changed while a cursor is open needs no read-ahead; it applies from the next statement on. */
    @Test
    void aSettingWaitsForTheNextStatementInsteadOfReadingAhead() {
        RowCursor cursor = open("SELECT x FROM range(1000000000) t(x)");
        assertTrue(cursor.next());
        session.settingChanged("TimeZone", "Asia/Tokyo");
        assertEquals(0, session.spills().openSpills());
        for (long i = 1; i < 100; i++) {
            assertTrue(cursor.next());
            assertEquals(i, cursor.get(0));
        }
        cursor.close();
        assertEquals("Asia/Tokyo", single(session, "SELECT current_setting('TimeZone')"));
        assertEquals("2024-01-01 09:00:00", single(session,
                "SELECT strftime(TIMESTAMPTZ '2024-01-01 00:00:00+00', '%Y-%m-%d %H:%M:%S')"));
    }

    /**
     * One cancel while the read-ahead runs ends the statement that triggered it with 57014, wherever it started
     * (preparing a new statement, or executing a prepared one); the cursor stays where it was and reads on.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void oneCancelStopsTheReadAheadAndKeepsTheCursor(boolean duringPrepare) throws Exception {
        PreparedQuery other = duringPrepare ? null : session.prepare("SELECT 42", List.of());
        // Reading 30 million rows ahead takes long enough for the cancel to meet it.
        RowCursor cursor = open("SELECT i FROM range(30000000) t(i)");
        assertTrue(cursor.next());
        CompletableFuture<PgException> outcome = CompletableFuture.supplyAsync(() -> assertThrows(
                PgException.class, () -> {
                    if (duringPrepare) {
                        session.prepare("SELECT 42", List.of());
                    } else {
                        other.execute(List.of());
                    }
                }));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (session.spills().openSpills() == 0 && !outcome.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(1, session.spills().openSpills(), "the read-ahead started");
        Thread.sleep(100);
        session.cancel(); // once
        PgException e = outcome.get(15, TimeUnit.SECONDS);
        assertEquals(SqlState.QUERY_CANCELED, e.sqlState());
        assertEquals(0L, cursor.get(0));
        for (long i = 1; i <= 100_000; i++) {
            assertTrue(cursor.next());
            assertEquals(i, cursor.get(0));
        }
        cursor.close();
        assertEquals(42, single(session, "SELECT 42"));
        if (other != null) {
            other.close();
        }
    }

    /**
     * An error DuckDB raises further on reaches the client after the rows before it, as when streaming (where exactly
     * depends on DuckDB's parallel chunks, in either case), with the same SQLSTATE and message.
     */
    @Test
    void anErrorFurtherOnComesAfterTheRowsBeforeIt() {
        String sql = "SELECT CASE WHEN i = 3000000 THEN error('boom') ELSE i END AS v FROM range(4000000) t(i)";
        PgException streamed;
        try (RowCursor cursor = open(sql)) {
            streamed = assertThrows(PgException.class, () -> {
                while (cursor.next()) {
                    cursor.get(0);
                }
            });
        }
        RowCursor cursor = open(sql);
        assertTrue(cursor.next());
        assertEquals(1, single(session, "SELECT 1"));
        long[] n = {1};
        PgException e = assertThrows(PgException.class, () -> {
            while (cursor.next()) {
                assertEquals(n[0]++, cursor.get(0));
            }
        });
        assertTrue(n[0] > 1 && n[0] <= 3_000_000, "rows before the error: " + n[0]);
        assertEquals(streamed.sqlState(), e.sqlState());
        assertEquals(streamed.getMessage(), e.getMessage());
        cursor.close();
    }

    /** A value the client could not receive (outside PostgreSQL's range) fails at its row, as it would when sent. */
    @Test
    void aValueOutsidePostgresRangeFailsAtItsRow() {
        RowCursor cursor = open("SELECT CASE WHEN i = 5000 THEN DATE '-10000-01-01' ELSE DATE '2000-01-01' + i::INT END"
                + " FROM range(10000) t(i)");
        assertTrue(cursor.next());
        assertEquals(1, single(session, "SELECT 1"));
        for (int i = 1; i < 5000; i++) {
            assertTrue(cursor.next());
            assertEquals(LocalDate.of(2000, 1, 1).plusDays(i), cursor.get(0));
        }
        PgException e = assertThrows(PgException.class, cursor::next);
        assertEquals(SqlState.DATETIME_FIELD_OVERFLOW, e.sqlState());
        cursor.close();
    }

    // ---- through the server, with pgjdbc ----

    /**
     * {@code DECLARE} + {@code FETCH}, then other statements in the block, then fetching on; and pgjdbc's fetch size
     * with a second statement in the same transaction: every row arrives, in order.
     */
    @Test
    void cursorsAndFetchSizeSurviveOtherStatementsThroughTheServer() throws Exception {
        long rows = 300_000;
        try (BuenaVistaServer server = start(); Connection c = connect(server, "")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("DECLARE c CURSOR FOR SELECT i, repeat('x', 100) AS s FROM range(" + rows + ") t(i)");
                long[] seen = new long[2];
                fetch(s, "FETCH 1 FROM c", seen);
                assertEquals(1, count(s, "SELECT 1"));
                fetch(s, "FETCH 1000 FROM c", seen);
                assertEquals(5, count(s, "SELECT count(*) FROM range(5)"));
                fetch(s, "FETCH ALL FROM c", seen);
                assertEquals(rows, seen[0]);
                assertEquals(rows * (rows - 1) / 2, seen[1]);
            }
            c.commit();
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1000);
                try (ResultSet rs = s.executeQuery("SELECT i, repeat('y', 100) FROM range(" + rows + ") t(i)")) {
                    long n = 0;
                    long sum = 0;
                    while (rs.next()) {
                        assertEquals(n, rs.getLong(1));
                        if (n == 10 || n == 150_000) {
                            try (Statement second = c.createStatement()) {
                                assertEquals(n, count(second, "SELECT " + n));
                            }
                        }
                        sum += rs.getLong(1);
                        n++;
                    }
                    assertEquals(rows, n);
                    assertEquals(rows * (rows - 1) / 2, sum);
                }
            }
            c.commit();
        }
    }

    /** In both protocols: the read-ahead happens while the next statement is parsed (a Parse, or a Query). */
    @ParameterizedTest
    @ValueSource(strings = {"", "&preferQueryMode=simple"})
    void statementTimeoutStopsTheReadAhead(String mode) throws Exception {
        try (BuenaVistaServer server = start(); Connection c = connect(server, mode);
             Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("DECLARE c CURSOR FOR SELECT i FROM range(50000000) t(i)");
            assertTrue(s.executeQuery("FETCH 1 FROM c").next());
            s.execute("SET statement_timeout = '1s'"); // needs no read-ahead
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains("statement timeout"), e.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15));
            c.rollback();
            s.execute("SET statement_timeout = 0");
            assertEquals(2, count(s, "SELECT 2"));
        }
    }

    @Test
    void oneCancelRequestStopsTheReadAheadThroughTheServer() throws Exception {
        try (BuenaVistaServer server = start(); Connection c = connect(server, "");
             Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("DECLARE c CURSOR FOR SELECT i FROM range(50000000) t(i)");
            assertTrue(s.executeQuery("FETCH 1 FROM c").next());
            CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(
                    () -> assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1")));
            Thread.sleep(1000); // the read-ahead of 50 million rows runs for several seconds
            s.cancel(); // one CancelRequest
            assertEquals("57014", outcome.get(15, TimeUnit.SECONDS).getSQLState());
            c.rollback();
            assertEquals(3, count(s, "SELECT 3"));
        }
    }

    private BuenaVistaServer start() {
        return BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
    }

    private static Connection connect(BuenaVistaServer server, String params) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                + "/test?user=tester&sslmode=disable" + params);
    }

    private static void fetch(Statement s, String sql, long[] seen) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                assertEquals(seen[0], rs.getLong(1));
                assertEquals("x".repeat(100), rs.getString(2));
                seen[0]++;
                seen[1] += rs.getLong(1);
            }
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    /** Descriptors of this process open on files in the spill directory (unlinked or not). */
    private long openSpillFiles() throws IOException {
        String dir = spillDir.toRealPath().toString();
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith(dir + "/buenavista-rows")) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }
}
