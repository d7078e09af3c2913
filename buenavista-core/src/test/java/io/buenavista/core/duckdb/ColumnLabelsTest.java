package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.NestingLimit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Result column names of the DuckDB handler against real PostgreSQL 15: each query of the table runs on PostgreSQL
 * (on the same tables, in a schema of its own that is dropped afterwards) and on a Buena Vista DuckDB server through
 * pgjdbc, and both must name the columns as the table says; {@link ColumnLabels} alone must, too.
 */
class ColumnLabelsTest {
    private static final String PG_URL = PostgresTwin.PG_URL;
    private static final String PG_SCHEMA = "bv_labels_" + ProcessHandle.current().pid();

    static final String PG_DDL = "CREATE TABLE t(x integer, y text, \"Foo\" integer, arr integer[]);"
            + "CREATE TABLE u(k integer, v text);"
            + "INSERT INTO t VALUES (1, 'a', 2, '{1,2}'), (2, 'b', 3, '{3}');"
            + "INSERT INTO u VALUES (1, 'one')";
    static final String DUCK_DDL = "CREATE TABLE t(x INTEGER, y VARCHAR, \"Foo\" INTEGER, arr INTEGER[]);"
            + "CREATE TABLE u(k INTEGER, v VARCHAR);"
            + "INSERT INTO t VALUES (1, 'a', 2, [1,2]), (2, 'b', 3, [3]);"
            + "INSERT INTO u VALUES (1, 'one')";

    /**
     * The query (JDBC placeholders {@code ?} stand for {@code $1, $2...} and are bound to 1) and PostgreSQL's
     * column names, separated by {@code |}.
     */
    static final String[][] CASES = {
        {"select version()", "version"},
        {"select pg_catalog.version()", "version"},
        {"select count(*) from t", "count"},
        {"select 1", "?column?"},
        {"select true, null, 1.5, 'abc', 'a' || 'b'", "?column?|?column?|?column?|?column?|?column?"},
        {"select x::int, x::text::int, 1::int::text from t", "x|x|text"},
        {"select 1::int, 1::bigint, 1::double precision, 'a'::varchar(3), 1::numeric(10,2), 'a'::text, 1::real",
            "int4|int8|float8|varchar|numeric|text|float4"},
        {"select cast(x as text), cast(1 as integer), cast('1' as numeric(5,1)) from t", "x|int4|numeric"},
        {"select case when x > 1 then 'p' end, case when x > 1 then 0 else x end, case x when 1 then 'a' end "
            + "from t", "case|x|case"},
        {"select x + 1, -x, x is null, x in (1, 2), x between 1 and 2, not x = 1 from t",
            "?column?|?column?|?column?|?column?|?column?|?column?"},
        {"values (1, 2)", "column1|column2"},
        {"values (1, 'a', true), (2, 'b', false)", "column1|column2|column3"},
        {"select coalesce(x, 0), nullif(x, 1), greatest(1, 2), least(1, 2) from t",
            "coalesce|nullif|greatest|least"},
        {"select exists(select 1 from t), array[1, 2], array[1, 2]::int[]", "exists|array|array"},
        {"select ?, ?::int", "?column?|int4"},
        {"select current_date, current_timestamp, current_user, session_user, current_schema",
            "current_date|current_timestamp|current_user|session_user|current_schema"},
        {"select t.*, 1 as one from t", "x|y|Foo|arr|one"},
        {"select *, x + 1 from t", "x|y|Foo|arr|?column?"},
        {"select t.x, u.k, t.* from t join u on t.x = u.k", "x|k|x|y|Foo|arr"},
        {"select u.*, t.* from t join u on t.x = u.k", "k|v|x|y|Foo|arr"},
        {"select (select count(*) from u), (select max(k) from u) as m, (select 1) from t", "count|m|?column?"},
        {"select (select (select 1 as deep))", "deep"},
        {"select upper(lower(y)), length(trim(y)), abs(round(x * 1.5)) from t", "upper|length|abs"},
        {"select x as \"MixedCase\", y AS Lower, 1 \"Quoted Name\", 2 bare from t",
            "MixedCase|lower|Quoted Name|bare"},
        {"select \"Foo\", \"Foo\"::text, X, t.Y from t", "Foo|Foo|x|y"},
        {"select 1 as a union select 2", "a"},
        {"select 1 union all select 2 as z", "?column?"},
        {"(select x from t) union (select 1) order by 1", "x"},
        {"with q as (select x as k from t) select k, k * 2, (select count(*) from q) from q", "k|?column?|count"},
        {"with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select n, n::text from r",
            "n|n"},
        {"select sum(x) over (), row_number() over (order by x) from t", "sum|row_number"},
        {"select count(*) filter (where x > 1), string_agg(y, ',' order by y) from t", "count|string_agg"},
        {"select date '2020-01-01', interval '1 day', timestamp '2020-01-01 00:00'", "date|interval|timestamp"},
        {"select arr[1], t.arr[1], (arr)[1] from t", "arr|arr|arr"},
        {"select extract(year from date '2020-01-01'), substring('abc' from 1 for 2), position('b' in 'abc')",
            "extract|substring|position"},
        {"select now() at time zone 'UTC', now()::date", "timezone|now"},
        {"select distinct on (x) x, y from t order by x", "x|y"},
        {"select 1 from t where false", "?column?"},
        {"select /* comment */ x -- trailing\n, y from t", "x|y"},
        {"select not exists (select 1), x = any(array[1, 2]), y like 'a%' from t", "?column?|?column?|?column?"},
        {"select 'a'::text collate \"C\", lower(y) collate \"C\" from t", "text|lower"},
        {"select 1 as \"a\"\"b\", X AS Y, (t).x from t", "a\"b|y|x"},
        {"select 1 as " + "n".repeat(70), "n".repeat(63)},
        {"select 1 as select, 2 as from, x \"from\", x::text::varchar(3), t.\"Foo\" from t",
            "select|from|from|x|Foo"},
        // columns of nested queries, which the outer query names or shows through a star
        {"select * from (values (1, 'x'), (2, 'y')) v", "column1|column2"},
        {"select * from (values (1, 2)) as v", "column1|column2"},
        {"select column2 from (values (1, 'x')) v order by column1", "column2"},
        {"with c as (select count(*), max(x) from t) select * from c", "count|max"},
        {"select count from (select count(*) from t) s", "count"},
        {"select * from (select upper(y), x::text, 1 as one from t) s", "upper|x|one"},
        {"select * from (select x from t where x in (select max(k) from u)) s", "x"},
        {"with a as (select lower(y) from t), b as (select count(*) from a) select lower, count from a, b",
            "lower|count"},
    };

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DUCK_DDL, PG_DDL);

    private static String duckUrl() {
        return twin.duckUrl();
    }

    private static List<String> expected(String[] c) {
        return Arrays.asList(c[1].split("\\|"));
    }

    /** The text the server receives: pgjdbc turns each {@code ?} into {@code $n}. */
    static String serverText(String sql) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            if (ch == '?') {
                sb.append('$').append(++n);
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static List<String> labels(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 1; i <= ps.getParameterMetaData().getParameterCount(); i++) {
                ps.setInt(i, 1);
            }
            try (var rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                List<String> names = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    names.add(meta.getColumnLabel(i));
                }
                return names;
            }
        }
    }

    @Test
    void theTableIsPostgresqls() throws Exception {
        try (Connection c = DriverManager.getConnection(PG_URL + "&options=-c%20search_path%3D" + PG_SCHEMA)) {
            for (String[] q : CASES) {
                assertEquals(expected(q), labels(c, q[0]), q[0]);
            }
        }
    }

    @Test
    void duckDbServerNamesColumnsAsPostgres() throws Exception {
        try (Connection c = DriverManager.getConnection(duckUrl())) {
            List<String> failures = new ArrayList<>();
            for (String[] q : CASES) {
                try {
                    List<String> got = labels(c, q[0]);
                    if (!got.equals(expected(q))) {
                        failures.add(q[0] + " -> " + got + " (PostgreSQL: " + expected(q) + ")");
                    }
                } catch (SQLException e) {
                    failures.add(q[0] + " -> " + e.getMessage());
                }
            }
            assertEquals(List.of(), failures);
        }
    }

    @Test
    void labellerAloneNamesTheTable() {
        List<String> failures = new ArrayList<>();
        for (String[] q : CASES) {
            List<String> want = expected(q);
            List<String> got = ColumnLabels.of(serverText(q[0]), want.size());
            // The names a star expands to are DuckDB's, so the labeller leaves them open.
            boolean star = q[0].contains(".*") || q[0].contains("select *");
            if (got == null && star) {
                continue;
            }
            boolean ok = got != null && got.size() == want.size();
            for (int i = 0; ok && i < want.size(); i++) {
                ok = want.get(i).equals(got.get(i)) || star && got.get(i) == null;
            }
            if (!ok) {
                failures.add(q[0] + " -> " + got);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void nestedSelectListsGetPostgresNamesAsAliases() {
        assertEquals("select * from (select count(*) AS \"count\", x AS \"x\", x::text AS \"x\", 1 from t) s",
                ColumnLabels.nameNestedColumns("select * from (select count(*), x, x::text, 1 from t) s"));
        assertEquals("with c as (select upper(y) AS \"upper\" from t) select upper(y), * from c",
                ColumnLabels.nameNestedColumns("with c as (select upper(y) from t) select upper(y), * from c"));
        assertEquals("select * from (values (1, 2)) v(column1, column2), (values (3)) as w(column1)",
                ColumnLabels.nameNestedColumns("select * from (values (1, 2)) v, (values (3)) as w"));
        for (String unchanged : new String[] {"select count(*) from t", "select * from (values (1)) v(a)",
                "select * from (select 1 as a, f(x) b) s", "select * from (select * exclude (x) from t) s",
                "select '(select count(*) from t)'"}) {
            assertEquals(unchanged, ColumnLabels.nameNestedColumns(unchanged));
        }
    }

    @Test
    void starsAnchorTheItemsAroundThem() {
        assertEquals(Arrays.asList("?column?", null, null, "z"), ColumnLabels.of("select 1, *, 2 z from t", 4));
        assertEquals(Arrays.asList("a", null, null, null), ColumnLabels.of("select 1 a, t.*, u.* from t, u", 4));
        assertNull(ColumnLabels.of("select * from t", 3));
        // DuckDB may expand unnest of a struct: the items after it are placed from the end.
        assertEquals(Arrays.asList("a", null, null, "b"), ColumnLabels.of("select 1 a, unnest(s), 2 b from t", 4));
        assertEquals(Arrays.asList("a", "unnest", "b"), ColumnLabels.of("select 1 a, unnest(s), 2 b from t", 3));
        // Fewer columns than items without any star: DuckDB read it differently, so nothing is named.
        assertNull(ColumnLabels.of("select 1, 2", 3));
        assertNull(ColumnLabels.of("select 1, 2, * from t", 1));
    }

    @Test
    void leavesOtherStatementsAndUnreadableItemsToDuckDb() {
        assertNull(ColumnLabels.of("show search_path", 1));
        assertNull(ColumnLabels.of("explain select 1", 2));
        assertNull(ColumnLabels.of("from t select x", 1));
        assertNull(ColumnLabels.of("table t", 4));
        assertNull(ColumnLabels.of("insert into t values (1)", 1));
        // DuckDB's own syntax is not PostgreSQL's: no name rather than a wrong one.
        assertEquals(Arrays.asList("a", null), ColumnLabels.of("select 1 a, {'x': 1}", 2));
        assertEquals(Arrays.asList(null, "b"), ColumnLabels.of("select * exclude (x), 1 b from t", 2));
        assertNull(ColumnLabels.of("select 1, 2,", 2));
    }

    @Test
    void returningAndTypedLiterals() {
        assertEquals(List.of("k", "?column?", "upper"),
                ColumnLabels.of("insert into u values (1, 'a') returning k, k + 1, upper(v)", 3));
        assertEquals(List.of("float8", "timestamptz", "bpchar", "varbit", "float4", "int2", "bool", "interval"),
                ColumnLabels.of("select double precision '1', timestamp with time zone 'now', 'a'::character(2), "
                        + "'1'::bit varying, 1::float(3), 1::smallint, 't'::boolean, interval '1' day", 8));
        assertEquals(List.of("btrim", "ltrim", "pg_collation_for", "coalesce", "row", "row"),
                ColumnLabels.of("select trim(y), trim(leading 'a' from y), collation for (y), coalesce(x), "
                        + "row(1, 2), (1, 2) from t", 6));
        assertEquals(List.of("is_normalized", "?column?"),
                ColumnLabels.of("select 'a' is normalized, 'a' is not normalized", 2));
    }

    @Test
    void longNamesAreCutLikePostgres() {
        String longName = "a".repeat(70);
        assertEquals(List.of("a".repeat(63)), ColumnLabels.of("select 1 as " + longName, 1));
        assertEquals(List.of("é".repeat(31)), ColumnLabels.of("select 1 as \"" + "é".repeat(40) + "\"", 1));
    }

    /**
     * A select list of 1 MiB (67 168 items of the kinds the table checks against PostgreSQL, every third with an
     * alias) is named item by item.
     */
    @Test
    void aSelectListOfAMebibyteIsNamedItemByItem() {
        String[][] kinds = {{"x", "x"}, {"upper(y)", "upper"}, {"x::text", "x"}, {"1", "?column?"},
            {"count(*)", "count"}, {"case when x > 1 then y end", "case"}, {"(select 1 as inner_one)", "inner_one"},
            {"\"Foo\"", "Foo"}, {"cast(x as integer)", "x"}, {"coalesce(x, 0)", "coalesce"}, {"x + 1", "?column?"},
            {"t.arr[1]", "arr"}};
        StringBuilder sql = new StringBuilder("select ");
        List<String> expected = new ArrayList<>();
        for (int i = 0; sql.length() < 1 << 20; i++) {
            String[] kind = kinds[i % kinds.length];
            sql.append(i == 0 ? "" : ", ").append(kind[0]);
            if (i % 3 == 0) {
                sql.append(" as c").append(i);
                expected.add("c" + i);
            } else {
                expected.add(kind[1]);
            }
        }
        sql.append(" from t");
        assertEquals(expected, ColumnLabels.read(sql.toString()).names(expected.size()));
    }

    @Test
    void everyPrefixOfTheTableIsReadWithoutFailing() {
        // Cut-off text reaches the labeller too (the database then reports the syntax error): it must not throw.
        for (String[] q : CASES) {
            String sql = serverText(q[0]);
            for (int end = 0; end <= sql.length(); end++) {
                for (int columns = 0; columns < 4; columns++) {
                    List<String> names = ColumnLabels.figure(sql.substring(0, end), columns);
                    if (names != null) {
                        assertEquals(columns, names.size(), sql.substring(0, end));
                    }
                }
            }
        }
    }

    /**
     * Nesting deeper than {@link NestingLimit#MAX_DEPTH} is refused with 54001, as PostgreSQL refuses an expression
     * nested too deeply, instead of overflowing the Java stack (which dropped the connection without an answer);
     * up to DuckDB's own limit (1000 levels) names are still given. Run on a thread with the least stack a
     * connection thread has (4 MiB, ConnectionThreads.CORE_STACK_SIZE); the deepest reading (nested subqueries at
     * the limit) needs about 2 MiB.
     */
    @Test
    void nestingBeyondTheLimitIs54001() throws InterruptedException {
        List<Throwable> failures = new ArrayList<>();
        Thread t = new Thread(null, () -> {
            try {
                int ok = 1000;
                assertEquals(Arrays.asList("?column?"),
                        ColumnLabels.figure("SELECT " + "(".repeat(ok) + "1" + ")".repeat(ok), 1));
                assertEquals(Arrays.asList("x"), ColumnLabels.figure("SELECT " + "(SELECT ".repeat(ok) + "1 AS x"
                        + ")".repeat(ok), 1));
                for (int n : new int[] {NestingLimit.MAX_DEPTH + 1, 10_000}) {
                    for (String sql : List.of("SELECT " + "(".repeat(n) + "1" + ")".repeat(n),
                            "SELECT " + "NOT ".repeat(n) + "true",
                            "SELECT " + "CASE WHEN true THEN ".repeat(n) + "1" + " END".repeat(n),
                            "SELECT " + "CAST(".repeat(n) + "1" + " AS int)".repeat(n),
                            "SELECT " + "(SELECT ".repeat(n) + "1" + ")".repeat(n))) {
                        assertTooDeep(() -> ColumnLabels.of(sql, 1), sql);
                        assertTooDeep(() -> ColumnLabels.nameNestedColumns("SELECT * FROM (" + sql + ") s"), sql);
                    }
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "connection-stack", 4L << 20);
        t.start();
        t.join();
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.get(0));
        }
    }

    private static void assertTooDeep(Executable reading, String sql) {
        PgException e = assertThrows(PgException.class, reading, sql.substring(0, 40));
        assertEquals(SqlState.STACK_DEPTH_LIMIT_EXCEEDED, e.sqlState());
        assertEquals("stack depth limit exceeded", e.getMessage());
    }
}
