package io.buenavista.core.duckdb;

import static io.buenavista.core.duckdb.DuckDbTestSupport.command;
import static io.buenavista.core.duckdb.DuckDbTestSupport.readAll;
import static io.buenavista.core.duckdb.DuckDbTestSupport.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.RowCursor;
import io.buenavista.api.TransactionOptions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The per-session cache of DuckDB prepared statements: reuse, and never a stale description. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DuckDbStatementCacheTest {
    private DuckDbHandler handler;
    private DuckDbSession session;
    private DuckDbSession other;

    @BeforeEach
    void open() {
        handler = new DuckDbHandler();
        session = (DuckDbSession) handler.open(new DuckDbTestSupport.TestContext());
        other = (DuckDbSession) handler.open(new DuckDbTestSupport.TestContext());
    }

    @AfterEach
    void close() {
        session.close();
        other.close();
        handler.close();
    }

    private static List<String> names(List<Column> columns) {
        return columns.stream().map(Column::name).toList();
    }

    /** The columns of {@code sql}, from a statement which then stays idle in the cache. */
    private List<String> columnsOf(String sql) {
        List<String> first;
        try (PreparedQuery q = session.prepare(sql, List.of())) {
            first = names(q.columns());
        }
        try (PreparedQuery q = session.prepare(sql, List.of())) {
            assertEquals(first, names(q.columns()));
            return first;
        }
    }

    @Test
    void theSameTextIsPreparedOnceAndAnswersEachTime() {
        assertEquals(List.of(List.of(2)), rows(session, "select $1::int + 1", "1"));
        assertEquals(0, session.cachedStatements(), "kept from the second time");
        assertEquals(List.of(List.of(8)), rows(session, "select $1::int + 1", "7"));
        assertEquals(1, session.cachedStatements());
        assertEquals(List.of(List.of(9)), rows(session, "select $1::int + 1", "8"));
        assertEquals(1, session.cachedStatements());
        // Other declared types are another statement.
        for (int i = 0; i < 2; i++) {
            try (PreparedQuery q = session.prepare("select $1::int + 1", List.of(PgType.TEXT))) {
                assertEquals(List.of(PgType.TEXT), q.parameterTypes());
            }
        }
        try (PreparedQuery q = session.prepare("select $1::int + 1", List.of(PgType.UNKNOWN))) {
            assertEquals(List.of(PgType.INT4), q.parameterTypes());
            assertEquals(1, session.cachedStatements()); // the one in use is not idle
        }
        assertEquals(2, session.cachedStatements());
    }

    @Test
    void twoOpenQueriesOfTheSameTextDoNotShareAResult() {
        String sql = "select * from range(5)";
        session.prepare(sql, List.of()).close();
        try (PreparedQuery first = session.prepare(sql, List.of());
                PreparedQuery second = session.prepare(sql, List.of())) {
            ExecutionResult.Rows a = assertInstanceOf(ExecutionResult.Rows.class, first.execute(List.of()));
            RowCursor ca = a.cursor();
            assertTrue(ca.next());
            assertEquals(0L, ((Number) ca.get(0)).longValue());
            ExecutionResult.Rows b = assertInstanceOf(ExecutionResult.Rows.class, second.execute(List.of()));
            assertEquals(5, readAll(b).size());
            int rest = 0;
            while (ca.next()) {
                rest++;
            }
            ca.close();
            assertEquals(4, rest);
        }
        assertEquals(1, session.cachedStatements());
        // A query closed while its portal still reads keeps the rows; the statement goes back idle.
        try (PreparedQuery q = session.prepare(sql, List.of())) {
            RowCursor c = ((ExecutionResult.Rows) q.execute(List.of())).cursor();
            assertTrue(c.next());
            q.close();
            assertEquals(List.of(List.of(0L), List.of(1L)), rows(session, "select * from range(2)"));
            int n = 1;
            while (c.next()) {
                n++;
            }
            c.close();
            assertEquals(5, n);
        }
    }

    @Test
    void alterTableInThisOrAnotherSessionIsSeenByTheNextParse() {
        command(session, "CREATE TABLE t(a INTEGER)");
        command(session, "INSERT INTO t VALUES (1)");
        assertEquals(List.of("a"), columnsOf("select * from t"));
        command(session, "ALTER TABLE t ADD COLUMN b VARCHAR DEFAULT 'x'");
        assertEquals(List.of("a", "b"), columnsOf("select * from t"));
        command(other, "ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 7");
        assertEquals(List.of("a", "b", "c"), columnsOf("select * from t"));
        assertEquals(List.of(List.of(1, "x", 7)), rows(session, "select * from t"));
    }

    @Test
    void dropAndRecreateIsSeenByTheNextParse() {
        command(session, "CREATE TABLE t(a INTEGER)");
        assertEquals(List.of("a"), columnsOf("select * from t"));
        command(other, "DROP TABLE t");
        PgException gone = assertThrows(PgException.class, () -> columnsOf("select * from t"));
        assertEquals("42P01", gone.sqlState());
        command(other, "CREATE TABLE t(z DOUBLE, y VARCHAR)");
        command(other, "INSERT INTO t VALUES (2.5, 'y')");
        assertEquals(List.of("z", "y"), columnsOf("select * from t"));
        assertEquals(List.of(List.of(2.5, "y")), rows(session, "select * from t"));
    }

    @Test
    void aStatementWhoseExecutionFailedIsPreparedAgain() {
        String sql = "select $1::int * 2";
        assertEquals(List.of(List.of(4)), rows(session, sql, "2"));
        assertEquals(List.of(List.of(4)), rows(session, sql, "2"));
        assertEquals(1, session.cachedStatements());
        try (PreparedQuery q = session.prepare(sql, List.of(PgType.TEXT))) {
            assertThrows(PgException.class, () -> q.execute(List.of("not a number")));
            assertEquals(List.of(List.of(6)), readAll((ExecutionResult.Rows) q.execute(List.of("3"))));
        }
        assertThrows(PgException.class, () -> rows(session, sql, "nope"));
        assertEquals(List.of(List.of(10)), rows(session, sql, "5"));
        assertEquals(List.of(List.of(12)), rows(session, sql, "6"));
        assertEquals(1, session.cachedStatements());
    }

    @Test
    void schemaChangesInARolledBackBlockLeaveNothingStale() {
        session.begin(TransactionOptions.DEFAULT);
        command(session, "CREATE TABLE t(a INTEGER)");
        assertEquals(List.of("a"), columnsOf("select * from t"));
        session.rollback();
        PgException gone = assertThrows(PgException.class, () -> columnsOf("select * from t"));
        assertEquals("42P01", gone.sqlState());

        command(session, "CREATE TABLE u(a INTEGER)");
        session.begin(TransactionOptions.DEFAULT);
        command(session, "ALTER TABLE u ADD COLUMN b INTEGER");
        assertEquals(List.of("a", "b"), columnsOf("select * from u"));
        session.rollback();
        assertEquals(List.of("a"), columnsOf("select * from u"));
    }

    @Test
    void aBlockThatSawAnOlderCatalogDoesNotLeaveItsStatementsBehind() {
        command(session, "CREATE TABLE t(a INTEGER)");
        session.begin(TransactionOptions.DEFAULT);
        assertEquals(List.of(List.of(0L)), rows(session, "select count(*) from t")); // the block's snapshot starts
        command(other, "ALTER TABLE t ADD COLUMN b INTEGER");
        List<String> inBlock = columnsOf("select * from t");
        session.commit();
        assertEquals(List.of("a"), inBlock, "a block sees the catalog of its snapshot");
        assertEquals(List.of("a", "b"), columnsOf("select * from t"));
    }

    @Test
    void aSchemaChangeCommittedByAnotherBlockIsSeenAfterItsCommit() {
        command(session, "CREATE TABLE t(a INTEGER)");
        other.begin(TransactionOptions.DEFAULT);
        command(other, "ALTER TABLE t ADD COLUMN b INTEGER");
        assertEquals(List.of("a"), columnsOf("select * from t"));
        other.commit();
        assertEquals(List.of("a", "b"), columnsOf("select * from t"));
    }

    @Test
    void changingTheSearchPathIsSeenByTheNextParse() {
        command(session, "CREATE TABLE t(a INTEGER)");
        command(session, "CREATE SCHEMA s2");
        command(session, "CREATE TABLE s2.t(q VARCHAR)");
        assertEquals(List.of("a"), columnsOf("select * from t"));
        session.settingChanged("search_path", "s2");
        assertEquals(List.of("q"), columnsOf("select * from t"));
    }

    @Test
    void statementsThatMayChangeTheSchemaAreNotKept() {
        command(session, "CREATE TABLE t(a INTEGER)");
        command(session, "SET VARIABLE x = 1");
        assertEquals(0, session.cachedStatements());
        assertTrue(DuckDbPreparedQuery.mayChangeSchema("/* c */ CREATE TABLE x(i int)"));
        assertTrue(DuckDbPreparedQuery.mayChangeSchema("use memory"));
        assertTrue(DuckDbPreparedQuery.mayChangeSchema("pragma version"));
        assertFalse(DuckDbPreparedQuery.mayChangeSchema("-- c\n (SELECT 1)"));
        assertFalse(DuckDbPreparedQuery.mayChangeSchema("with x as (select 1) insert into t select * from x"));
    }

    @Test
    void preparingFromTheCacheHasNoSideEffects() {
        command(session, "CREATE TABLE t(i INTEGER)");
        try (PreparedQuery insert = session.prepare("INSERT INTO t VALUES ($1)", List.of())) {
            assertEquals(List.of(PgType.INT4), insert.parameterTypes());
        }
        try (PreparedQuery insert = session.prepare("INSERT INTO t VALUES ($1)", List.of())) {
            insert.execute(List.of(1));
        }
        try (PreparedQuery insert = session.prepare("INSERT INTO t VALUES ($1)", List.of())) {
            assertEquals(List.of(), insert.columns());
        }
        assertEquals(List.of(List.of(1L)), rows(session, "select count(*) from t"));
    }

    @Test
    void theCacheIsBounded() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < StatementCache.CAPACITY + 20; i++) {
            texts.add("select " + i);
        }
        for (String sql : texts) {
            rows(session, sql);
            rows(session, sql);
        }
        assertEquals(StatementCache.CAPACITY, session.cachedStatements());
        // The most recent ones were kept, and still answer.
        assertEquals(List.of(List.of(StatementCache.CAPACITY + 19)), rows(session, texts.get(texts.size() - 1)));
    }

    @Test
    void aStatementWhoseResultWouldChangeIsRefusedAndOneWhoseResultStaysRuns() {
        command(session, "CREATE TABLE t(a INTEGER)");
        command(session, "INSERT INTO t VALUES (1)");
        try (PreparedQuery star = session.prepare("select * from t", List.of());
                PreparedQuery one = session.prepare("select a from t", List.of())) {
            assertEquals(List.of(List.of(1)), readAll(assertInstanceOf(ExecutionResult.Rows.class,
                    star.execute(List.of()))));
            command(other, "ALTER TABLE t ADD COLUMN b VARCHAR DEFAULT 'x'");
            PgException changed = assertThrows(PgException.class, () -> star.execute(List.of()));
            assertEquals("0A000", changed.sqlState());
            assertEquals("cached plan must not change result type", changed.message());
            assertEquals("RevalidateCachedQuery", changed.routine());
            assertEquals(List.of(List.of(1)), readAll(assertInstanceOf(ExecutionResult.Rows.class,
                    one.execute(List.of()))));
        }
        assertEquals(List.of(List.of(1, "x")), rows(session, "select * from t"));
    }
}
