package io.buenavista.core.duckdb;

import io.buenavista.testing.WireClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The DuckDB server against PostgreSQL 15 with the same statements (issue 7, item 8): SQLSTATEs of DuckDB's error
 * shapes, the parameters of an SQL-level PREPARE, and the differences the README lists as DuckDB's on purpose,
 * each checked on both servers so that the list stays true.
 */
class DuckDbAsPostgresTest {
    private static final String PG_SCHEMA = "bv_aspg_" + ProcessHandle.current().pid();
    private static final String DDL = "CREATE TABLE s(id integer, v varchar(3), w text)";
    private static final String[] NONE = new String[0];

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DDL, DDL);


    private static String answer(WireClient c, String sql) {
        return WireTranscript.of(c, sql, new int[0], NONE, true);
    }

    /** Every statement's answer on both servers, one line each, for one comparison that shows all differences. */
    private static void assertSameAnswers(List<String> statements) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (String sql : statements) {
            expected.add(sql + " -> " + answer(twin.postgres(), sql));
            actual.add(sql + " -> " + answer(twin.duck(), sql));
        }
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }

    /** DuckDB's errors of each shape carry PostgreSQL's SQLSTATE for the same statement. */
    @Test
    void errorsCarryPostgresSqlStates() {
        assertSameAnswers(List.of(
                // more than one row from a scalar subquery: 21000
                "SELECT (SELECT 1 UNION ALL SELECT 2)",
                "SELECT 1 WHERE 1 = (SELECT x FROM (VALUES (1), (2)) v(x))",
                // a date, time or timestamp out of range: 22008
                "SELECT '2020-02-30'::date",
                "SELECT '2020-13-01'::date",
                "SELECT '2020-01-01 25:00:00'::timestamp",
                "SELECT '2020-01-01 99:00'::timestamptz",
                "SELECT '25:61:00'::time",
                "SELECT make_date(2020, 2, 30)",
                // text that is no date, timestamp or interval: 22007
                "SELECT 'abc'::date",
                "SELECT 'xyz'::timestamp",
                "SELECT 'x'::timestamptz",
                "SELECT 'abc'::interval",
                // a regular expression that does not compile: 2201B
                "SELECT 'a' ~ '('",
                "SELECT 'a' ~* '[a'",
                "SELECT 'a' ~ 'a{2,1}'",
                "SELECT regexp_replace('a', '[', 'b')",
                "SELECT 'a' SIMILAR TO '('",
                // the mappings that were right already stay so
                "SELECT 'abc'::int",
                "SELECT 99999999999::int",
                "SELECT 2147483647::int + 1",
                "SELECT 7 % 0",
                "SELECT 12345.678::numeric(5,2)",
                "SELECT 'maybe'::boolean",
                "SELECT '{'::json"));
    }

    /**
     * A PREPARE takes only the parameters the client declared: the $n in it belong to the statement it prepares
     * (PostgreSQL describes none, and a Bind without values runs it); EXECUTE's portal describes the result.
     */
    @Test
    void sqlPrepareTakesNoParametersOfItsStatement() {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (WireClient c : List.of(twin.postgres(), twin.duck())) {
            List<String> out = c == twin.postgres() ? expected : actual;
            out.add(answer(c, "PREPARE p AS SELECT $1::int + 1 AS x"));
            out.add(answer(c, "EXECUTE p(1)"));
            out.add(answer(c, "PREPARE q(int, text) AS SELECT $1 + 1 AS y, $2 AS z"));
            out.add(answer(c, "EXECUTE q(2, 'a')"));
            out.add(WireTranscript.of(c, "PREPARE r AS SELECT $1::text AS t", new int[] {23}, new String[] {"5"},
                    true));
            out.add(answer(c, "EXECUTE r('b')"));
            out.add(answer(c, "DEALLOCATE ALL"));
        }
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }
    /** A statement with its answers on PostgreSQL and on the DuckDB server: a difference the README lists. */
    private record Difference(String sql, String[] values, String postgres, String duckdb) {}

    private static Difference differs(String sql, String postgres, String duckdb) {
        return new Difference(sql, NONE, postgres, duckdb);
    }

    /**
     * The README's "known differences" (DuckDB's semantics kept on purpose), each run on both servers: PostgreSQL
     * answers as the README says it does, and the DuckDB server as the README says it does.
     */
    @Test
    void theReadmesKnownDifferencesHoldOnBothServers() {
        List<Difference> differences = List.of(
                differs("SELECT 7 / 2 AS q", "params[] cols[q:23 ] cols[q:23 ] [3] SELECT 1",
                        "params[] cols[q:701 ] cols[q:701 ] [3.5] SELECT 1"),
                differs("SELECT 5 / 2.0 AS q", "params[] cols[q:1700 ] cols[q:1700 ] [2.5000000000000000] SELECT 1",
                        "params[] cols[q:701 ] cols[q:701 ] [2.5] SELECT 1"),
                differs("SELECT 1 / 0 AS q", "ERROR 22012",
                        "params[] cols[q:701 ] cols[q:701 ] [Infinity] SELECT 1"),
                differs("SELECT sqrt(-1) AS r", "ERROR 2201F", "params[] cols[r:701 ] cols[r:701 ] [NaN] SELECT 1"),
                differs("SELECT ln(0) AS r", "ERROR 2201E",
                        "params[] cols[r:701 ] cols[r:701 ] [-Infinity] SELECT 1"),
                differs("SELECT '1e400'::float8 AS f", "ERROR 22003",
                        "params[] cols[f:701 ] cols[f:701 ] [Infinity] SELECT 1"),
                differs("SELECT round(2.5::float8) AS r", "params[] cols[r:701 ] cols[r:701 ] [2] SELECT 1",
                        "params[] cols[r:701 ] cols[r:701 ] [3] SELECT 1"),
                differs("SELECT substring('abc', -1, 2) AS s", "params[] cols[s:25 ] cols[s:25 ] [] SELECT 1",
                        "params[] cols[s:25 ] cols[s:25 ] [c] SELECT 1"),
                differs("SELECT extract(dow FROM date '2024-01-07') AS d",
                        "params[] cols[d:1700 ] cols[d:1700 ] [0] SELECT 1",
                        "params[] cols[d:20 ] cols[d:20 ] [0] SELECT 1"),
                // varchar(n) and char(n): DuckDB keeps neither the length nor the type name
                differs("SELECT 'abcdef'::varchar(3) AS v", "params[] cols[v:1043 ] cols[v:1043 ] [abc] SELECT 1",
                        "params[] cols[v:25 ] cols[v:25 ] [abcdef] SELECT 1"),
                differs("INSERT INTO s VALUES (1, 'abcd', 'x')", "ERROR 22001", "params[] nodata nodata INSERT 0 1"),
                differs("SELECT v, w FROM s WHERE id = 0", "params[] cols[v:1043 w:25 ] cols[v:1043 w:25 ] SELECT 0",
                        "params[] cols[v:25 w:25 ] cols[v:25 w:25 ] SELECT 0"),
                // parameters: DuckDB allows none in ORDER BY; count($1) gives DuckDB a type where PostgreSQL has none
                new Difference("SELECT 1 AS x ORDER BY $1", new String[] {"a"},
                        "params[25] cols[x:23 ] cols[x:23 ] [1] SELECT 1", "ERROR 0A000"),
                new Difference("SELECT count($1) AS c", new String[] {"a"}, "ERROR 42P18",
                        "params[25] cols[c:20 ] cols[c:20 ] [1] SELECT 1"),
                new Difference("INSERT INTO s (id) VALUES ($1) RETURNING id, $2 AS x", new String[] {"7", "a"},
                        "params[23, 25] cols[id:23 x:25 ] cols[id:23 x:25 ] [7, a] INSERT 0 1", "ERROR 0A000"));
        for (Difference d : differences) {
            int[] oids = new int[d.values().length];
            assertEquals(d.postgres(), WireTranscript.of(twin.postgres(), d.sql(), oids, d.values(), true),
                    "PostgreSQL: " + d.sql());
            assertEquals(d.duckdb(), WireTranscript.of(twin.duck(), d.sql(), oids, d.values(), true),
                    "DuckDB: " + d.sql());
        }
    }
}
