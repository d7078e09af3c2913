package io.buenavista.core.duckdb;

import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PreparedQuery;
import io.buenavista.core.duckdb.PostgresReading.Rewrite;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static io.buenavista.core.duckdb.DuckDbTestSupport.readAll;
import static io.buenavista.core.duckdb.DuckDbTestSupport.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rewrites toward PostgreSQL's reading say which of them changed the text, and the session falls back on that. */
class PostgresReadingTest {
    private static final Function<List<String>, List<String>> THREE_COLUMNS = table -> List.of("a", "b", "c");

    @Test
    void aTextNoRewriteTouchesIsTheClients() {
        for (String sql : new String[] {"select count(*) from t", "insert into t (a) values (1)",
                "select * from generate_series(1, 3)", "select '(select count(*) from t)'"}) {
            PostgresReading reading = PostgresReading.of(sql, THREE_COLUMNS);
            assertEquals(new PostgresReading(sql, Set.of()), reading);
            assertFalse(reading.rewritten(), sql);
        }
    }

    @Test
    void eachRewriteThatAppliesIsNamed() {
        assertEquals(new PostgresReading("select * from (select count(*) AS \"count\" from t) s",
                Set.of(Rewrite.NESTED_COLUMN_NAMES)),
                PostgresReading.of("select * from (select count(*) from t) s", THREE_COLUMNS));
        assertEquals(new PostgresReading("select unnest(generate_series(1, 2)), (select max(x) AS \"max\" from t)",
                Set.of(Rewrite.NESTED_COLUMN_NAMES, Rewrite.SET_RETURNING_CALLS)),
                PostgresReading.of("select generate_series(1, 2), (select max(x) from t)", THREE_COLUMNS));
        PostgresReading insert = PostgresReading.of("insert into t values (1, 2)", THREE_COLUMNS);
        assertEquals(new PostgresReading("insert into t (\"a\", \"b\") values (1, 2)",
                Set.of(Rewrite.INSERT_COLUMN_LIST)), insert);
        assertTrue(insert.rewritten());
        assertEquals(List.of(Rewrite.NESTED_COLUMN_NAMES, Rewrite.SET_RETURNING_CALLS), List.copyOf(
                PostgresReading.of("select generate_series(1, 2), (select x from t)", THREE_COLUMNS).applied()));
    }

    /**
     * {@code generate_series(1, 2)[1]} is DuckDB's list subscript; the rewrite wraps the call in {@code unnest}, which
     * DuckDB cannot subscript, so the session prepares the client's text, by both protocols.
     */
    @Test
    void whatDuckDbCannotReadAfterARewriteRunsAsTheClientWroteIt() {
        DuckDbHandler handler = new DuckDbHandler();
        try (DuckDbSession session = (DuckDbSession) handler.open(new DuckDbTestSupport.TestContext())) {
            String sql = "select generate_series(1, 2)[1] as first";
            assertTrue(PostgresReading.of(sql, THREE_COLUMNS).rewritten());
            assertEquals(List.of(List.of(1L)), rows(session, sql));
            try (PreparedQuery q = session.prepareToRunOnce(sql)) {
                assertEquals(List.of(List.of(1L)),
                        readAll(assertInstanceOf(ExecutionResult.Rows.class, q.execute(List.of()))));
            }
            // And where the rewrite reads, its reading counts: PostgreSQL's three rows, not DuckDB's one list.
            assertEquals(List.of(List.of(1L), List.of(2L), List.of(3L)), rows(session, "select generate_series(1, 3)"));
        } finally {
            handler.close();
        }
    }
}
