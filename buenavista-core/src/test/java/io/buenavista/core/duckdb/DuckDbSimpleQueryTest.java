package io.buenavista.core.duckdb;

import static io.buenavista.core.duckdb.DuckDbTestSupport.readAll;
import static io.buenavista.testing.Frontend.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PreparedQuery;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.WireClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

/**
 * The statements of a simple Query, which the DuckDB handler runs by DuckDB's direct execution and describes from
 * their results ({@link DuckDbSession#prepareToRunOnce}): each answer, message by message, is PostgreSQL 15's for the
 * same text, in one or several statements per Query, with errors in any of them, commands without rows, SET/SHOW and
 * DDL.
 */
class DuckDbSimpleQueryTest {
    private static final String PG_SCHEMA = "bv_simpleq_" + ProcessHandle.current().pid();
    // text, not varchar(n): DuckDB keeps no varchar type name (a difference the README lists)
    private static final String DDL = "CREATE TABLE s(id integer PRIMARY KEY, v text, w text)";

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DDL, DDL);


    /**
     * A Query's answer written the same for any server: columns (name:type oid), rows as text, tags, ERROR with its
     * SQLSTATE and position, and the transaction status of ReadyForQuery.
     */
    private static String answer(WireClient c, String sql) {
        c.send(query(sql));
        StringBuilder out = new StringBuilder();
        for (BackendMessage m : c.readUntilReady()) {
            if (m instanceof BackendMessage.ErrorResponse e) {
                out.append("ERROR ").append(e.fields().get('C'));
                if (e.fields().containsKey('P')) {
                    out.append(" at ").append(e.fields().get('P'));
                }
                out.append(' ');
            } else if (m instanceof BackendMessage.RowDescription r) {
                out.append("cols[");
                r.fields().forEach(f -> out.append(f.name()).append(':').append(f.typeOid()).append(' '));
                out.append("] ");
            } else if (m instanceof BackendMessage.DataRow d) {
                out.append(d.texts()).append(' ');
            } else if (m instanceof BackendMessage.CommandComplete cc) {
                out.append(cc.tag()).append("; ");
            } else if (m instanceof BackendMessage.EmptyQueryResponse) {
                out.append("empty ");
            } else if (m instanceof BackendMessage.ReadyForQuery r) {
                out.append("ready ").append(r.status());
            }
        }
        return out.toString();
    }

    /** Every Query's answer on both servers, in order on one connection each, compared all at once. */
    private static void assertSameAnswers(String... queries) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (String sql : queries) {
            expected.add(sql + " -> " + answer(twin.postgres(), sql));
            actual.add(sql + " -> " + answer(twin.duck(), sql));
        }
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }

    @Test
    void rowsCommandsAndTagsAreThoseOfPostgres() {
        assertSameAnswers(
                "INSERT INTO s VALUES (1, 'a', 'x'), (2, 'b', 'y')",
                "SELECT id, v, w FROM s ORDER BY id",
                "SELECT count(*), id + 1, v::text, upper(w) FROM s GROUP BY id, v, w ORDER BY 2",
                "SELECT id FROM s WHERE id > 100",
                "UPDATE s SET w = 'z' WHERE id = 1",
                "DELETE FROM s WHERE id = 99",
                "INSERT INTO s VALUES (3, 'c', 'w') RETURNING id, v AS name",
                "DELETE FROM s WHERE id = 3 RETURNING *",
                "SELECT v FROM s WHERE id = 2",
                "",
                "  ;  ");
    }

    @Test
    void severalStatementsInOneQueryRunInOrderAsOneTransaction() {
        assertSameAnswers(
                "INSERT INTO s VALUES (10, 'm', 'n'); SELECT id, w FROM s WHERE id = 10; DELETE FROM s WHERE id = 10",
                // The error in the second statement rolls the first back and skips the third.
                "INSERT INTO s VALUES (11, 'm', 'n'); SELECT * FROM no_such_table; INSERT INTO s VALUES (12, 'o', 'p')",
                "SELECT count(*) FROM s WHERE id IN (11, 12)",
                // A duplicate key in the second statement, an error raised while it executes.
                "INSERT INTO s VALUES (13, 'q', 'r'); INSERT INTO s VALUES (13, 'q', 'r'); SELECT 1 AS one",
                "SELECT count(*) FROM s WHERE id = 13",
                "SELECT 1 AS a; SELECT 'two' AS b, 3 AS c");
    }

    @Test
    void errorsAreThoseOfPostgres() {
        assertSameAnswers(
                "SELECT * FROM no_such_table",
                "SELECT no_such_column FROM s",
                "INSERT INTO s VALUES (1, 'a', 'x')",
                "SELECT 1 AS after_errors");
        // An error while rows are produced: PostgreSQL has sent the RowDescription of the SELECT before it; DuckDB
        // fails before its result exists, so no columns come first. The error itself is the same, without position.
        String sql = "SELECT v::integer FROM s WHERE id = 2";
        assertEquals(answer(twin.postgres(), sql).replaceFirst("^cols\\[v:23 \\] ", ""), answer(twin.duck(), sql));
    }

    /**
     * A statement that fails while it runs is not run again behind the client's back: its side effects that no
     * rollback undoes (a sequence's nextval) happen once, as in PostgreSQL.
     */
    @Test
    void aStatementThatFailsWhileRunningRunsOnce() {
        assertSameAnswers(
                "CREATE SEQUENCE seq_simple",
                "INSERT INTO s VALUES (30, 'a', 'b')",
                "INSERT INTO s SELECT 30 + 0 * nextval('seq_simple'), 'c', 'd'",
                "SELECT currval('seq_simple') AS c",
                "INSERT INTO s SELECT 30 + 0 * nextval('seq_simple'), 'c', 'd'",
                "SELECT currval('seq_simple') AS c",
                "DELETE FROM s WHERE id = 30",
                "DROP SEQUENCE seq_simple");
    }

    @Test
    void errorsInATransactionBlockFailTheBlockUntilRollback() {
        assertSameAnswers(
                "BEGIN",
                "INSERT INTO s VALUES (20, 'u', 'v')",
                "SELECT * FROM no_such_table",
                "SELECT 1",
                "ROLLBACK",
                "SELECT count(*) FROM s WHERE id = 20",
                "BEGIN; INSERT INTO s VALUES (21, 'u', 'v'); COMMIT",
                "DELETE FROM s WHERE id = 21");
    }

    @Test
    void ddlAndSettingsAreCommandsWithoutRows() {
        assertSameAnswers(
                "CREATE TABLE t_simple(a integer, b text)",
                "INSERT INTO t_simple VALUES (1, 'one')",
                "ALTER TABLE t_simple ADD COLUMN c integer",
                "SELECT * FROM t_simple",
                "CREATE VIEW v_simple AS SELECT a FROM t_simple",
                "SELECT a FROM v_simple",
                "DROP VIEW v_simple; DROP TABLE t_simple",
                "SELECT * FROM t_simple",
                "SET application_name = 'simple test'",
                "SHOW application_name",
                "SET TimeZone = 'UTC'; SHOW TimeZone",
                "RESET application_name");
    }

    // ---- the handler's side ----

    /** A statement of a simple Query is described by its result: nothing before it runs, its columns after. */
    @Test
    void theHandlerDescribesAStatementRunOnceByItsResult() {
        DuckDbHandler handler = new DuckDbHandler();
        try (DuckDbSession session = (DuckDbSession) handler.open(new DuckDbTestSupport.TestContext())) {
            PreparedQuery q = session.prepareToRunOnce("SELECT 42 AS answer, 'x' || 'y'");
            assertTrue(q.columnsDependOnParameters());
            assertEquals(List.of(), q.columns());
            ExecutionResult.Rows rows = assertInstanceOf(ExecutionResult.Rows.class, q.execute(List.of()));
            assertEquals(List.of("answer", "?column?"), rows.cursor().columns().stream().map(Column::name).toList());
            assertEquals(List.of(List.of(42, "xy")), readAll(rows));
            q.close();
            assertEquals(0, session.cachedStatements(), "nothing DuckDB prepared stays behind");

            // A text DuckDB might read as several statements is prepared as by Parse (a prepare refuses several).
            try (PreparedQuery two = session.prepareToRunOnce("SELECT ';' AS semicolon")) {
                assertFalse(two.columnsDependOnParameters());
                assertEquals(List.of(List.of(";")), readAll((ExecutionResult.Rows) two.execute(List.of())));
            }
        } finally {
            handler.close();
        }
    }
}
