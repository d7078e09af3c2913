package io.buenavista.core.duckdb;

import io.buenavista.testing.WireClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The shape of a statement does not depend on how the client typed its parameters (issue 7, item 7): the same
 * Parse (parameter types 0, text or specific) / Describe / Bind / Describe / Execute on PostgreSQL 15 and on the DuckDB
 * server give the same answer: the same SQLSTATE where PostgreSQL refuses, otherwise the same parameter types where
 * they matter, columns (names and types) and rows. DuckDB describes a statement whose parameter it cannot type
 * with a placeholder column {@code unknown}; that description must never reach a client.
 */
class UntypedParametersTest {
    private static final String PG_SCHEMA = "bv_untyped_" + ProcessHandle.current().pid();
    private static final String DDL = "CREATE TABLE t(id integer, v text, n integer);"
            + "INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20), (3, NULL, 30);"
            + "CREATE TABLE ins(id integer, v text, n integer)";
    private static final int TEXT = 25;
    private static final int INT4 = 23;
    private static final int VARCHAR = 1043;

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DDL, DDL);


    /** One statement with its declared parameter types and its values (text; null for NULL). */
    private record Case(String sql, int[] oids, String... values) {
        @Override
        public String toString() {
            return sql + " types " + Arrays.toString(oids) + " values " + Arrays.toString(values);
        }
    }

    private static Case untyped(String sql, String... values) {
        return new Case(sql, new int[0], values);
    }

    private static Case zeros(String sql, String... values) {
        return new Case(sql, new int[values.length], values);
    }

    private static Case texts(String sql, String... values) {
        int[] oids = new int[values.length];
        Arrays.fill(oids, TEXT);
        return new Case(sql, oids, values);
    }

    private static Case typed(String sql, int[] oids, String... values) {
        return new Case(sql, oids, values);
    }

    private static void assertSameAnswers(List<Case> cases, boolean withParameterTypes) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (Case k : cases) {
            expected.add(k + " -> " + WireTranscript.of(twin.postgres(), k.sql(), k.oids(), k.values(),
                    withParameterTypes));
            actual.add(k + " -> " + WireTranscript.of(twin.duck(), k.sql(), k.oids(), k.values(), withParameterTypes));
        }
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }

    /** Untyped parameters in select lists, WHERE, LIMIT and INSERT, with values and NULLs, declared 0 or not at all. */
    @Test
    void untypedParametersGiveTheStatementsOwnShape() {
        List<Case> cases = new ArrayList<>();
        for (boolean declaredZero : new boolean[] {false, true}) {
            java.util.function.BiFunction<String, String[], Case> c = (sql, v) -> declaredZero ? zeros(sql, v)
                    : untyped(sql, v);
            cases.addAll(List.of(
                    // the reported reproductions: psycopg's ('a', None), a raw Parse without types
                    c.apply("SELECT id, v FROM t WHERE v = $1 OR $2 IS NULL ORDER BY id", new String[] {"a", null}),
                    c.apply("SELECT $1 AS a, 5 AS b", new String[] {"x"}),
                    c.apply("SELECT $1 AS a, 5 AS b", new String[] {null}),
                    // select lists
                    c.apply("SELECT $1", new String[] {"x"}),
                    c.apply("SELECT $1 AS a, $1 AS b, $2 AS c", new String[] {"x", null}),
                    c.apply("SELECT id, $1 AS tag FROM t ORDER BY id", new String[] {"x"}),
                    c.apply("SELECT * FROM (SELECT $1 AS a, 2 AS b) s", new String[] {"x"}),
                    c.apply("SELECT coalesce($1, $2) AS c", new String[] {null, "y"}),
                    c.apply("SELECT $1 || 'a' AS c", new String[] {"x"}),
                    c.apply("SELECT $1 = $2 AS same", new String[] {"x", "x"}),
                    c.apply("VALUES ($1, 2), ('b', 3)", new String[] {"x"}),
                    c.apply("SELECT $1 UNION ALL SELECT 'a'", new String[] {"x"}),
                    // WHERE
                    c.apply("SELECT id FROM t WHERE v = $1", new String[] {"b"}),
                    c.apply("SELECT id FROM t WHERE v = $1 OR $1 IS NULL ORDER BY id", new String[] {null}),
                    c.apply("SELECT id FROM t WHERE n > $1 ORDER BY id", new String[] {"15"}),
                    c.apply("SELECT id FROM t WHERE id IN ($1, $2) ORDER BY id", new String[] {"1", "3"}),
                    c.apply("SELECT count(*) FROM t WHERE $1 IS NOT NULL", new String[] {"x"}),
                    c.apply("SELECT id FROM t WHERE $1 ISNULL", new String[] {"x"}),
                    c.apply("SELECT id FROM t WHERE v LIKE $1", new String[] {"a%"}),
                    // an operand of another type gives an untyped one its type, as in PostgreSQL
                    c.apply("SELECT $1 + 1 AS a, 5 AS b", new String[] {"1"}),
                    c.apply("SELECT id FROM t WHERE n + $1 > 25 ORDER BY id", new String[] {"1"}),
                    c.apply("SELECT n * $1 - $2 AS x FROM t ORDER BY id", new String[] {"2", "1"}),
                    c.apply("SELECT timestamptz '2024-01-02 00:00+00' - $1 AS d",
                            new String[] {"2024-01-01 00:00+00"}),
                    c.apply("SELECT $1 + 1 AS a", new String[] {"3000000000"}),
                    // ORDER BY and LIMIT
                    c.apply("SELECT id FROM t ORDER BY id DESC LIMIT $1", new String[] {"2"}),
                    c.apply("SELECT id FROM t ORDER BY id LIMIT $1 OFFSET $2", new String[] {"1", "1"}),
                    c.apply("SELECT id FROM t ORDER BY id LIMIT $1", new String[] {null}),
                    // INSERT, UPDATE, DELETE
                    c.apply("INSERT INTO ins VALUES ($1, $2, $3)", new String[] {"1", "x", null}),
                    c.apply("INSERT INTO ins (id, v) VALUES ($1, $2)", new String[] {"2", null}),
                    c.apply("UPDATE ins SET v = $1 WHERE id = $2", new String[] {"y", "2"}),
                    c.apply("UPDATE ins SET n = coalesce(n, 0) + $1 WHERE id = $2", new String[] {"5", "1"}),
                    c.apply("DELETE FROM ins WHERE $1 IS NULL", new String[] {"x"}),
                    c.apply("SELECT * FROM ins ORDER BY id", new String[0])));
        }
        assertSameAnswers(cases, true);
    }

    /** Parameters declared text or as specific types give the same shapes and refusals too. */
    @Test
    void declaredParametersGiveTheStatementsOwnShape() {
        assertSameAnswers(List.of(
                texts("SELECT id, v FROM t WHERE v = $1 OR $2 IS NULL ORDER BY id", "a", null),
                texts("SELECT $1 AS a, 5 AS b", "x"),
                texts("SELECT $1 IS NULL AS a, 5 AS b", (String) null),
                texts("SELECT $1 + 1", "1"),
                typed("SELECT $1 AS a, $2 AS b, 5 AS c", new int[] {INT4, TEXT}, "7", "x"),
                typed("SELECT $1 || 'a' AS a, $2 IS NULL AS b", new int[] {VARCHAR, INT4}, "x", null),
                typed("SELECT id, v FROM t WHERE v = $1 OR $2 IS NULL ORDER BY id", new int[] {VARCHAR, INT4},
                        "a", null),
                typed("SELECT $1 + 1 AS a, $2 AS b", new int[] {INT4, 0}, "1", "x"),
                typed("SELECT $1 + 1 AS a, $2 IS NULL AS b", new int[] {INT4, 0}, "1", "x"),
                typed("SELECT id FROM t ORDER BY id LIMIT $1", new int[] {INT4}, "1"),
                typed("INSERT INTO ins (id, v) VALUES ($1, $2)", new int[] {INT4, TEXT}, "9", null),
                typed("SELECT $1::int + 1 AS a, $2 AS b", new int[] {0, TEXT}, "1", null)), true);
    }

    /** pgjdbc in its query modes: setNull(OTHER) and, with stringtype=unspecified, setString send untyped values. */
    @Test
    void pgjdbcInEveryModeGetsTheStatementsShape() throws SQLException {
        for (String mode : List.of("extended", "extendedForPrepared", "extendedCacheEverything", "simple")) {
            for (String stringType : List.of("varchar", "unspecified")) {
                String options = "&preferQueryMode=" + mode + "&stringtype=" + stringType;
                String pgUrl = PostgresTwin.PG_URL + "&currentSchema=" + PG_SCHEMA + options;
                Map<String, Binder> cases = new java.util.LinkedHashMap<>();
                cases.put("SELECT id, v FROM t WHERE v = ? OR ? IS NULL ORDER BY id", ps -> {
                    ps.setString(1, "a");
                    ps.setNull(2, Types.OTHER);
                });
                cases.put("SELECT ? AS a, 5 AS b", ps -> ps.setNull(1, Types.OTHER));
                cases.put("SELECT id, ? AS tag FROM t ORDER BY id LIMIT ?", ps -> {
                    ps.setNull(1, Types.OTHER);
                    ps.setInt(2, 2);
                });
                cases.put("SELECT id FROM t WHERE v = ? OR ? ORDER BY id", ps -> {
                    ps.setString(1, "b");
                    ps.setBoolean(2, false);
                });
                if (stringType.equals("unspecified")) {
                    // with stringtype=varchar the column would be varchar, which DuckDB does not distinguish
                    cases.put("SELECT ? AS a, 5 AS b, ? AS c", ps -> {
                        ps.setString(1, "x");
                        ps.setString(2, null);
                    });
                }
                for (Map.Entry<String, Binder> e : cases.entrySet()) {
                    assertEquals(jdbcAnswer(pgUrl, e.getKey(), e.getValue()),
                            jdbcAnswer(twin.duckUrl() + options, e.getKey(), e.getValue()),
                            mode + " stringtype=" + stringType + ": " + e.getKey());
                }
            }
        }
    }

    /**
     * A table function whose arguments are parameters: DuckDB binds it only with the values, so the portal is run
     * at Bind and described from its result. The same statement four times on one PreparedStatement (crossing
     * pgjdbc's switch to a named statement, which Describes the statement) gives PostgreSQL's columns and rows
     * (generate_series is bigint in DuckDB, a known difference, so types are not compared).
     */
    @Test
    void tableFunctionsWithParametersAnswerInEveryMode() throws SQLException {
        for (String mode : List.of("extended", "extendedForPrepared", "extendedCacheEverything", "simple")) {
            String options = "&preferQueryMode=" + mode + "&prepareThreshold=2";
            String pgUrl = PostgresTwin.PG_URL + "&currentSchema=" + PG_SCHEMA + options;
            assertEquals(seriesAnswers(pgUrl), seriesAnswers(twin.duckUrl() + options), mode);
        }
    }

    private static String seriesAnswers(String url) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection(url)) {
            for (String sql : List.of("select * from generate_series(1, ?) g", "select count(*) from generate_series(1, ?)",
                    "select g, g * 2 as twice from generate_series(?, 3) g where g > 0")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    for (int k = 0; k < 4; k++) {
                        if (k % 2 == 0) {
                            ps.setInt(1, k);
                        } else {
                            ps.setObject(1, k, Types.OTHER); // untyped: the server types it
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            ResultSetMetaData meta = rs.getMetaData();
                            for (int i = 1; i <= meta.getColumnCount(); i++) {
                                out.append(meta.getColumnLabel(i)).append(' ');
                            }
                            while (rs.next()) {
                                for (int i = 1; i <= meta.getColumnCount(); i++) {
                                    out.append(rs.getLong(i)).append(',');
                                }
                            }
                        } catch (SQLException e) {
                            out.append("ERROR ").append(e.getSQLState());
                        }
                        out.append('\n');
                    }
                }
            }
        }
        return out.toString();
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Columns and rows, or the SQLSTATE, of {@code sql} with the parameters {@code binder} sets. */
    private static String jdbcAnswer(String url, String sql, Binder binder) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            StringBuilder out = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    out.append(meta.getColumnLabel(i)).append(':').append(meta.getColumnTypeName(i)).append(' ');
                }
                while (rs.next()) {
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        out.append(rs.getString(i)).append(i == meta.getColumnCount() ? "; " : ", ");
                    }
                }
            } catch (SQLException e) {
                return "ERROR " + e.getSQLState();
            }
            return out.toString();
        }
    }

    /**
     * Where only an overloaded function or a decimal operand could type an untyped parameter, PostgreSQL picks a
     * type (abs(unknown) is abs(double precision), unknown * numeric is numeric) and DuckDB cannot: the server refuses
     * with 42P18 and a hint to cast, never a statement of another shape. Checked to differ from PostgreSQL, so that
     * the README's list of differences stays true.
     */
    @Test
    void parametersOnlyAFunctionCouldTypeAreRefused() {
        for (Case k : List.of(zeros("SELECT abs($1)", "-1"), zeros("SELECT $1 * 1.5 AS x", "2"),
                zeros("SELECT id FROM t WHERE n * 1.5 > $1 + 0.5", "1"))) {
            assertEquals("ERROR 42P18", WireTranscript.of(twin.duck(), k.sql(), k.oids(), k.values(), true),
                    k.toString());
            assertNotEquals("ERROR 42P18", WireTranscript.of(twin.postgres(), k.sql(), k.oids(), k.values(), true),
                    k.toString());
        }
    }
}
