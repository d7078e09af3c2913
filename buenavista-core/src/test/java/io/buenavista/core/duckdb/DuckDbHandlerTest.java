package io.buenavista.core.duckdb;

import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.buenavista.core.duckdb.DuckDbTestSupport.command;
import static io.buenavista.core.duckdb.DuckDbTestSupport.failure;
import static io.buenavista.core.duckdb.DuckDbTestSupport.rows;
import static io.buenavista.core.duckdb.DuckDbTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DuckDbHandlerTest {
    private DuckDbHandler handler;
    private QuerySession session;

    @BeforeEach
    void open() {
        handler = new DuckDbHandler();
        session = handler.open(new DuckDbTestSupport.TestContext());
    }

    @AfterEach
    void close() {
        session.close();
        handler.close();
    }

    @Test
    void serviceLoaderFindsTheHandler() {
        List<String> names = new ArrayList<>();
        for (QueryHandler h : ServiceLoader.load(QueryHandler.class)) {
            names.add(h.name());
            h.close();
        }
        assertTrue(names.contains("duckdb"), names.toString());
    }

    @Test
    void preparingHasNoSideEffects() {
        command(session, "CREATE TABLE t(i INTEGER, s VARCHAR)");
        try (PreparedQuery insert = session.prepare("INSERT INTO t VALUES ($1, $2)", List.of())) {
            assertEquals(List.of(), insert.columns());
            assertEquals(List.of(PgType.INT4, PgType.TEXT), insert.parameterTypes());
        }
        try (PreparedQuery delete = session.prepare("DELETE FROM t", List.of())) {
            assertEquals(List.of(), delete.columns());
        }
        try (PreparedQuery create = session.prepare("CREATE TABLE u(x INTEGER)", List.of())) {
            assertEquals(List.of(), create.columns());
        }
        command(session, "INSERT INTO t VALUES (1, 'a')");
        try (PreparedQuery delete = session.prepare("DELETE FROM t", List.of())) {
            assertEquals(List.of(), delete.columns());
        }
        assertEquals(1L, single(session, "SELECT count(*) FROM t"));
        assertEquals(SqlState.UNDEFINED_TABLE, failure(session, "SELECT * FROM u").sqlState());
    }

    @Test
    void commandsReportRowCounts() {
        command(session, "CREATE TABLE t(i INTEGER)");
        assertEquals(3L, command(session, "INSERT INTO t VALUES (1), (2), (3)").rowCount());
        assertEquals(2L, command(session, "UPDATE t SET i = i + 10 WHERE i > 1").rowCount());
        assertEquals(1L, command(session, "DELETE FROM t WHERE i = 1").rowCount());
        assertEquals(-1L, command(session, "CREATE TABLE u(x INTEGER)").rowCount());
        assertEquals(-1L, command(session, "SET integer_division = true").rowCount());
        assertNull(command(session, "DROP TABLE u").tag());
        assertEquals(List.of(List.of(12), List.of(13)), rows(session, "SELECT i FROM t ORDER BY i"));
        assertEquals(List.of(List.of(42)), rows(session, "INSERT INTO t VALUES (42) RETURNING i"));
    }

    @Test
    void parametersDeclaredInferredAndUnknown() {
        command(session, "CREATE TABLE t(int_col INTEGER)");
        try (PreparedQuery q = session.prepare("SELECT $1::INTEGER + 1 AS x", List.of(PgType.UNKNOWN))) {
            assertEquals(List.of(PgType.INT4), q.parameterTypes());
            assertEquals(PgType.INT4, q.columns().get(0).type());
            ExecutionResult r = q.execute(List.of("41"));
            assertEquals(List.of(List.of(42)), DuckDbTestSupport.readAll((ExecutionResult.Rows) r));
        }
        try (PreparedQuery q = session.prepare("INSERT INTO t(int_col) VALUES ($1)", List.of())) {
            assertEquals(List.of(PgType.INT4), q.parameterTypes());
            assertEquals(1L, ((ExecutionResult.Command) q.execute(List.of("5"))).rowCount());
            assertEquals(1L, ((ExecutionResult.Command) q.execute(List.of(6))).rowCount());
        }
        assertEquals(List.of(List.of(5), List.of(6)), rows(session, "SELECT int_col FROM t ORDER BY 1"));
        // DuckDB cannot infer a bare $1: as in PostgreSQL it is text, which the client's text is.
        try (PreparedQuery q = session.prepare("SELECT $1 || 'x' AS s", List.of())) {
            assertEquals(List.of(PgType.TEXT), q.parameterTypes());
            ExecutionResult r = q.execute(List.of("a"));
            assertEquals(List.of(List.of("ax")), DuckDbTestSupport.readAll((ExecutionResult.Rows) r));
        }
        // Declared types are kept, also beyond the ones DuckDB sees, and more parameters than declared are fine.
        try (PreparedQuery q = session.prepare("SELECT $1::BIGINT + $2::BIGINT AS x", List.of(PgType.INT8))) {
            assertEquals(List.of(PgType.INT8, PgType.INT8), q.parameterTypes());
            ExecutionResult r = q.execute(List.of(40L, 2L));
            assertEquals(List.of(List.of(42L)), DuckDbTestSupport.readAll((ExecutionResult.Rows) r));
        }
        try (PreparedQuery q = session.prepare("SELECT 1 AS x", List.of(PgType.TEXT))) {
            assertEquals(List.of(PgType.TEXT), q.parameterTypes());
            assertEquals(List.of(List.of(1)), DuckDbTestSupport.readAll((ExecutionResult.Rows) q.execute(
                    List.of("ignored"))));
        }
    }

    @Test
    void executingAgainReusesTheStatement() {
        try (PreparedQuery q = session.prepare("SELECT $1::INTEGER * 2", List.of(PgType.INT4))) {
            for (int i = 0; i < 3; i++) {
                assertEquals(List.of(List.of(i * 2)), DuckDbTestSupport.readAll((ExecutionResult.Rows) q.execute(
                        List.of(i))));
            }
        }
    }

    @Test
    void statementStaysUsableAfterItFailed() {
        command(session, "CREATE TABLE t(i INTEGER PRIMARY KEY)");
        try (PreparedQuery q = session.prepare("INSERT INTO t VALUES ($1)", List.of(PgType.INT4))) {
            assertEquals(1L, ((ExecutionResult.Command) q.execute(List.of(1))).rowCount());
            assertEquals(SqlState.UNIQUE_VIOLATION, assertThrows(PgException.class,
                    () -> q.execute(List.of(1))).sqlState());
            assertEquals(1L, ((ExecutionResult.Command) q.execute(List.of(2))).rowCount());
        }
        try (PreparedQuery q = session.prepare("SELECT $1::INTEGER AS i", List.of(PgType.TEXT))) {
            assertEquals(SqlState.INVALID_TEXT_REPRESENTATION, assertThrows(PgException.class,
                    () -> q.execute(List.of("x"))).sqlState());
            assertEquals(List.of(List.of(3)), DuckDbTestSupport.readAll((ExecutionResult.Rows) q.execute(
                    List.of("3"))));
        }
        // Streaming is back on after the retry that revealed the hidden error.
        assertEquals("true", single(session, "SELECT current_setting('jdbc_stream_results')")); // text, as in PostgreSQL
    }

    @Test
    void streamsHugeResultsWithoutMaterializing() {
        // A billion rows: materializing them would take minutes and far more memory than the test has.
        try (PreparedQuery q = session.prepare("SELECT * FROM range(1000000000) t(x)", List.of())) {
            ExecutionResult.Rows rows = assertInstanceOf(ExecutionResult.Rows.class, q.execute(List.of()));
            try (RowCursor cursor = rows.cursor()) {
                for (long i = 0; i < 10; i++) {
                    assertTrue(cursor.next());
                    assertEquals(i, cursor.get(0));
                }
            }
        }
        assertEquals(1, single(session, "SELECT 1"));
    }

    @Test
    void suspendedCursorSurvivesOtherStatements() {
        try (PreparedQuery q = session.prepare("SELECT x FROM range(5000) t(x)", List.of())) {
            RowCursor cursor = ((ExecutionResult.Rows) q.execute(List.of())).cursor();
            for (long i = 0; i < 3; i++) {
                assertTrue(cursor.next());
            }
            assertEquals(2L, cursor.get(0));
            // DuckDB refuses to prepare or run anything while a streamed result is open; the session reads the
            // rest of the cursor into memory first.
            assertEquals(7, single(session, "SELECT 7"));
            assertEquals(2L, cursor.get(0));
            long expected = 3;
            while (cursor.next()) {
                assertEquals(expected++, cursor.get(0));
            }
            assertEquals(5000L, expected);
            cursor.close();
        }
    }

    @Test
    void closingTheStatementKeepsItsCursor() {
        PreparedQuery q = session.prepare("SELECT x FROM range(10) t(x)", List.of());
        RowCursor cursor = ((ExecutionResult.Rows) q.execute(List.of())).cursor();
        assertTrue(cursor.next());
        q.close();
        int n = 1;
        while (cursor.next()) {
            n++;
        }
        assertEquals(10, n);
        cursor.close();
    }

    /** One cancel, sent once the execution has begun (a cancel before it is ignored, as in PostgreSQL). */
    @Test
    void cancelInterruptsARunningQuery() throws Exception {
        DuckDbSession duck = (DuckDbSession) session;
        try (PreparedQuery q = session.prepare(
                "SELECT count(*) FROM range(100000000000000) t(x) WHERE x % 7 = 3", List.of())) {
            CompletableFuture<PgException> outcome = CompletableFuture.supplyAsync(() -> assertThrows(
                    PgException.class, () -> DuckDbTestSupport.readAll((ExecutionResult.Rows) q.execute(List.of()))));
            while (!duck.isBusy()) {
                Thread.onSpinWait();
            }
            // DuckDB forgets an interrupt that comes before its query starts, microseconds after busy: let it start.
            Thread.sleep(100);
            session.cancel();
            PgException e = outcome.get(60, TimeUnit.SECONDS);
            assertEquals(SqlState.QUERY_CANCELED, e.sqlState());
        }
        assertEquals(1, single(session, "SELECT 1"));
    }

    /**
     * One cancel while a reader pulls a streamed result, whether it lands in DuckDB's fetch or between two rows
     * (where a server encodes and writes them): the next row fails with 57014.
     */
    @Test
    void cancelStopsAStreamingCursor() throws Exception {
        try (PreparedQuery q = session.prepare("SELECT * FROM range(1000000000000) t(x)", List.of())) {
            RowCursor cursor = ((ExecutionResult.Rows) q.execute(List.of())).cursor();
            java.util.concurrent.atomic.AtomicLong rows = new java.util.concurrent.atomic.AtomicLong();
            CompletableFuture<PgException> outcome = CompletableFuture.supplyAsync(() -> assertThrows(
                    PgException.class, () -> {
                        while (cursor.next()) {
                            cursor.get(0);
                            rows.incrementAndGet();
                        }
                    }));
            while (rows.get() < 10_000) {
                Thread.onSpinWait();
            }
            session.cancel();
            PgException e = outcome.get(60, TimeUnit.SECONDS);
            assertEquals(SqlState.QUERY_CANCELED, e.sqlState());
            cursor.close();
        }
        assertEquals(1, single(session, "SELECT 1"));
    }

    /** A cancel between two rows of a result the client reads at its own pace. */
    @Test
    void cancelBetweenRowsStopsTheNextOne() {
        try (PreparedQuery q = session.prepare("SELECT * FROM range(1000000) t(x)", List.of())) {
            RowCursor cursor = ((ExecutionResult.Rows) q.execute(List.of())).cursor();
            assertTrue(cursor.next());
            assertEquals(0L, cursor.get(0));
            session.cancel();
            assertEquals(SqlState.QUERY_CANCELED, assertThrows(PgException.class, cursor::next).sqlState());
            cursor.close();
        }
        assertEquals(1, single(session, "SELECT 1"));
    }

    @Test
    void cancelWhileIdleIsIgnored() {
        session.cancel();
        assertEquals(1, single(session, "SELECT 1"));
    }

    @Test
    void rollbackUndoesAndCommitKeeps() {
        command(session, "CREATE TABLE t(i INTEGER)");
        session.begin(TransactionOptions.DEFAULT);
        command(session, "INSERT INTO t VALUES (1)");
        assertEquals(1L, single(session, "SELECT count(*) FROM t"));
        session.rollback();
        assertEquals(0L, single(session, "SELECT count(*) FROM t"));
        session.begin(new TransactionOptions(false, "SERIALIZABLE"));
        command(session, "INSERT INTO t VALUES (2)");
        session.commit();
        assertEquals(List.of(List.of(2)), rows(session, "SELECT i FROM t"));
    }

    @Test
    void rollbackWorksAfterAFailedStatement() {
        command(session, "CREATE TABLE t(i INTEGER)");
        session.begin(TransactionOptions.DEFAULT);
        command(session, "INSERT INTO t VALUES (1)");
        assertEquals(SqlState.UNDEFINED_TABLE, failure(session, "SELECT * FROM nosuch").sqlState());
        assertEquals(SqlState.IN_FAILED_SQL_TRANSACTION, failure(session, "SELECT 1").sqlState());
        session.rollback();
        assertEquals(0L, single(session, "SELECT count(*) FROM t"));
    }

    @Test
    void readOnlyTransactionRefusesWrites() {
        command(session, "CREATE TABLE t(i INTEGER)");
        session.begin(new TransactionOptions(true, null));
        assertEquals(0L, single(session, "SELECT count(*) FROM t"));
        assertEquals(SqlState.READ_ONLY_SQL_TRANSACTION, failure(session, "INSERT INTO t VALUES (1)").sqlState());
        session.rollback();
        assertEquals(1L, command(session, "INSERT INTO t VALUES (1)").rowCount());
    }

    @Test
    void sessionsOfAFileDatabaseShareCommittedData(@TempDir Path dir) {
        String file = dir.resolve("shared.duckdb").toString();
        try (DuckDbHandler fileHandler = new DuckDbHandler(DuckDbConfig.file(file, false));
                QuerySession a = fileHandler.open(new DuckDbTestSupport.TestContext());
                QuerySession b = fileHandler.open(new DuckDbTestSupport.TestContext())) {
            command(a, "CREATE TABLE t(i INTEGER)");
            command(a, "INSERT INTO t VALUES (1)");
            assertEquals(1L, single(b, "SELECT count(*) FROM t"));
            a.begin(TransactionOptions.DEFAULT);
            command(a, "INSERT INTO t VALUES (2)");
            assertEquals(1L, single(b, "SELECT count(*) FROM t"));
            a.commit();
            assertEquals(2L, single(b, "SELECT count(*) FROM t"));
        }
        try (DuckDbHandler readOnly = new DuckDbHandler(DuckDbConfig.file(file, true));
                QuerySession s = readOnly.open(new DuckDbTestSupport.TestContext())) {
            assertEquals(2L, single(s, "SELECT count(*) FROM t"));
            PgException e = failure(s, "INSERT INTO t VALUES (3)");
            assertEquals(SqlState.READ_ONLY_SQL_TRANSACTION, e.sqlState(), e.getMessage());
        }
    }

    @Test
    void configurationIsApplied(@TempDir Path dir) {
        DuckDbConfig config = DuckDbConfig.inMemory().withThreads(1).withMemoryLimit("200MB")
                .withTempDirectory(dir.resolve("spill").toString());
        try (DuckDbHandler h = new DuckDbHandler(config);
                QuerySession s = h.open(new DuckDbTestSupport.TestContext())) {
            assertEquals("1", single(s, "SELECT current_setting('threads')"));
            assertEquals("190.7 MiB", single(s, "SELECT current_setting('memory_limit')"));
            // A client may not see the server's paths (DuckDbLockdownTest); the connection underneath shows it.
            assertEquals(dir.resolve("spill").toString(), DuckDbTestSupport.scalar(((DuckDbSession) s).connection(),
                    "SELECT value FROM duckdb_settings() WHERE name = 'temp_directory'"));
            assertEquals("false", single(s, "SELECT current_setting('autoinstall_known_extensions')"));
            assertEquals("false", single(s, "SELECT current_setting('autoload_known_extensions')"));
            assertEquals("true", single(s, "SELECT current_setting('jdbc_stream_results')"));
        }
    }

    @Test
    void fileAccessIsOffUnlessAllowed(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, "a,b\n1,2\n");
        String sql = "SELECT count(*) FROM read_csv('" + csv + "')";
        assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, failure(session, sql).sqlState());
        try (DuckDbHandler h = new DuckDbHandler(DuckDbConfig.inMemory().withAllowFileAccess(true));
                QuerySession s = h.open(new DuckDbTestSupport.TestContext())) {
            assertEquals(1L, single(s, sql));
        }
    }

    @Test
    void timeZoneFollowsTheSession() {
        try (QuerySession s = handler.open(new DuckDbTestSupport.TestContext(
                java.util.Map.of("TimeZone", "Asia/Tokyo"), new ArrayList<>()))) {
            assertEquals("Asia/Tokyo", single(s, "SELECT current_setting('TimeZone')"));
            s.settingChanged("TimeZone", "America/New_York");
            assertEquals("America/New_York", single(s, "SELECT current_setting('TimeZone')"));
        }
    }

    @Test
    void closedSessionRefusesWork() {
        session.close();
        session.close();
        assertThrows(PgException.class, () -> session.prepare("SELECT 1", List.of()));
        assertFalse(handler.name().isEmpty());
    }
}
