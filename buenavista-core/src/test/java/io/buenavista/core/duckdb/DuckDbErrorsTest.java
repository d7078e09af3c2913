package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.buenavista.core.duckdb.DuckDbTestSupport.command;
import static io.buenavista.core.duckdb.DuckDbTestSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each mapping of a DuckDB error class to a SQLSTATE, triggered by a real statement. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DuckDbErrorsTest {
    private static DuckDbHandler handler;
    private static QuerySession session;

    @BeforeAll
    static void open() {
        handler = new DuckDbHandler();
        session = handler.open(new DuckDbTestSupport.TestContext());
        command(session, "CREATE TABLE t(id INTEGER PRIMARY KEY, v VARCHAR NOT NULL, u INTEGER UNIQUE, "
                + "c INTEGER CHECK (c > 0))");
        command(session, "INSERT INTO t VALUES (1, 'a', 1, 1)");
    }

    @AfterAll
    static void close() {
        session.close();
        handler.close();
    }

    private static PgException assertState(String sqlState, String sql) {
        PgException e = failure(session, sql);
        assertEquals(sqlState, e.sqlState(), e.getMessage());
        return e;
    }

    @Test
    void syntaxError() {
        PgException e = assertState(SqlState.SYNTAX_ERROR, "SELECT * FROM");
        assertEquals("syntax error at or near \"FROM\"", e.getMessage());
        assertEquals(10, e.position(), "DuckDB's LINE context becomes the position field");
        assertEquals(null, e.detail());
    }

    @Test
    void catalogErrors() {
        PgException e = assertState(SqlState.UNDEFINED_TABLE, "SELECT * FROM nosuch");
        assertEquals("Table with name nosuch does not exist!", e.getMessage());
        assertState(SqlState.UNDEFINED_TABLE, "SELECT * FROM nosuchschema.t");
        assertState(SqlState.UNDEFINED_FUNCTION, "SELECT nosuchfn(1)");
        assertState(SqlState.UNDEFINED_OBJECT, "SELECT 1::nosuchtype");
        assertState(SqlState.UNDEFINED_OBJECT, "SET nosuchsetting = 1");
        assertState("42P07", "CREATE TABLE t(x INTEGER)");
        assertState("3F000", "DROP SCHEMA nosuch");
    }

    /**
     * DuckDB's max_expression_depth refusals, from its parser (parentheses) and its binder (operators), are
     * PostgreSQL's 54001 for an expression nested too deeply; DuckDB's advice to SET the limit is not passed on.
     */
    @Test
    void expressionsNestedTooDeeply() throws InterruptedException {
        List<Throwable> failures = new ArrayList<>();
        // DuckDB recurses on the calling thread: on the stack the server gives it, not the test runner's.
        Thread t = new Thread(null, () -> {
            try {
                for (String sql : List.of("SELECT " + "(".repeat(1_200) + "1" + ")".repeat(1_200),
                        "SELECT " + "1+".repeat(1_200) + "1")) {
                    PgException e = assertState(SqlState.STACK_DEPTH_LIMIT_EXCEEDED, sql);
                    assertEquals("stack depth limit exceeded", e.getMessage());
                    assertFalse(e.hint().contains("SET"), e.hint());
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "duckdb-stack", DuckDbHandler.THREAD_STACK_SIZE);
        t.start();
        t.join();
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.get(0));
        }
    }

    @Test
    void binderErrors() {
        assertState(SqlState.UNDEFINED_COLUMN, "SELECT nosuchcol");
        assertState(SqlState.UNDEFINED_COLUMN, "SELECT t.nosuch FROM t");
        assertState("42803", "SELECT id FROM t GROUP BY v");
        assertState(SqlState.UNDEFINED_FUNCTION, "SELECT abs('x')");
    }

    @Test
    void dataErrors() {
        // Raised before the first row of a streamed result: DuckDB's driver hides the message, so the handler
        // runs the query again without streaming to report it.
        PgException e = assertState(SqlState.INVALID_TEXT_REPRESENTATION, "SELECT 'abc'::INTEGER");
        assertTrue(e.getMessage().startsWith("Could not convert string 'abc' to INT32"), e.getMessage());
        assertState(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "SELECT 300::TINYINT");
        assertState(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "SELECT 2147483647::INTEGER + 1");
        assertState(SqlState.DIVISION_BY_ZERO, "SELECT 1 // 0");
        // Raised while rows stream: reported directly.
        assertState(SqlState.INVALID_TEXT_REPRESENTATION, "SELECT (CASE WHEN x = 3000 THEN 'abc' ELSE x::VARCHAR "
                + "END)::INTEGER FROM range(5000) r(x)");
    }

    @Test
    void hiddenErrorInsideATransactionBlock() {
        session.begin(TransactionOptions.DEFAULT);
        try {
            PgException e = assertState(SqlState.INTERNAL_ERROR, "SELECT 'abc'::INTEGER");
            assertTrue(e.getMessage().contains("did not report why"), e.getMessage());
        } finally {
            session.rollback();
        }
    }

    @Test
    void constraintErrors() {
        assertState(SqlState.UNIQUE_VIOLATION, "INSERT INTO t VALUES (1, 'b', 2, 1)");
        assertState(SqlState.UNIQUE_VIOLATION, "INSERT INTO t VALUES (2, 'b', 1, 1)");
        assertState(SqlState.NOT_NULL_VIOLATION, "INSERT INTO t VALUES (3, NULL, 3, 1)");
        assertState(SqlState.CHECK_VIOLATION, "INSERT INTO t VALUES (4, 'd', 4, -1)");
    }

    @Test
    void failedTransaction() {
        session.begin(TransactionOptions.DEFAULT);
        try {
            failure(session, "SELECT * FROM nosuch");
            PgException e = assertState(SqlState.IN_FAILED_SQL_TRANSACTION, "SELECT 1");
            assertEquals("Current transaction is aborted (please ROLLBACK)", e.getMessage());
        } finally {
            session.rollback();
        }
    }

    @Test
    void readOnlyTransaction() {
        session.begin(new TransactionOptions(true, null));
        try {
            assertState(SqlState.READ_ONLY_SQL_TRANSACTION, "INSERT INTO t VALUES (9, 'z', 9, 9)");
        } finally {
            session.rollback();
        }
    }

    @Test
    void writeWriteConflict() {
        try (QuerySession other = handler.open(new DuckDbTestSupport.TestContext())) {
            session.begin(TransactionOptions.DEFAULT);
            other.begin(TransactionOptions.DEFAULT);
            try {
                command(session, "UPDATE t SET v = 'x' WHERE id = 1");
                PgException e = failure(other, "UPDATE t SET v = 'y' WHERE id = 1");
                assertEquals(SqlState.SERIALIZATION_FAILURE, e.sqlState(), e.getMessage());
            } finally {
                other.rollback();
                session.rollback();
            }
        }
    }

    @Test
    void permissionError() {
        assertState(SqlState.INSUFFICIENT_PRIVILEGE, "SELECT * FROM read_csv('does-not-matter.csv')");
        assertState(SqlState.INSUFFICIENT_PRIVILEGE, "LOAD nosuchextension");
    }

    @Test
    void outOfMemory() {
        try (DuckDbHandler small = new DuckDbHandler(DuckDbConfig.inMemory().withMemoryLimit("20MB")
                .withThreads(1));
                QuerySession s = small.open(new DuckDbTestSupport.TestContext())) {
            PgException e = failure(s, "SELECT list(x) FROM range(50000000) r(x)");
            assertEquals(SqlState.OUT_OF_MEMORY, e.sqlState(), e.getMessage());
        }
    }

    @Test
    void messagesLoseTheErrorClassPrefix() {
        PgException e = failure(session, "SELECT nosuchfn(1)");
        assertFalse(e.getMessage().contains("Catalog Error"), e.getMessage());
        assertFalse(e.detail().contains("LINE 1"), e.detail());
        assertEquals(8, e.position());
    }

    @Test
    void positionIsSentOnlyWhenItPointsIntoTheClientsSql() {
        PgException second = failure(session, "SELECT 1 AS a\nFROM (SELECT 1) t\nWHERE nosuchcol = 1");
        assertEquals(39, second.position(), "line 3, column 7");
        // Rewritten before DuckDB saw it (pg_catalog. dropped): DuckDB's excerpt is not the client's SQL.
        assertEquals(0, failure(session, "SELECT pg_catalog.nosuchfn(1)").position());
        assertEquals(13, DuckDbErrors.position("Binder Error: x\n\nLINE 1: ...bc, nosuchcol\n               ^",
                "SELECT abc, nosuchcol"));
    }

    @Test
    void unknownErrorClassesAreInternal() {
        assertEquals(SqlState.INTERNAL_ERROR, DuckDbErrors.map(new java.sql.SQLException("boom")).sqlState());
        assertEquals(SqlState.INTERNAL_ERROR,
                DuckDbErrors.map(new java.sql.SQLException("Fatal Error: it broke")).sqlState());
        assertEquals(SqlState.QUERY_CANCELED,
                DuckDbErrors.map(new java.sql.SQLException("INTERRUPT Error: Interrupted!")).sqlState());
    }
}
