package io.buenavista.core.duckdb;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Should {@link ColumnLabels} (a Java reader of PostgreSQL's grammar) give way to DuckDB's own parser, i.e.
 * {@code json_serialize_sql} on the session's connection? Measures, in one run: (a) exactness: every case of
 * {@code ColumnLabelsTest} (and the typed-literal, RETURNING and keyword-construct cases of its other tests) runs on
 * PostgreSQL 15, whose column names are the truth, and is labelled by ColumnLabels and by a prototype labeller over
 * json_serialize_sql ({@link JsonLabels}, as generous as the JSON allows: it even reads the client's text at the
 * nodes' {@code query_location} to recover what the JSON loses); (b) cost per statement of both, for a point query
 * and a long statement, interleaved, with DuckDB's own prepare of the statement as the yardstick; (c) robustness:
 * 900-deep nestings through json_serialize_sql in a child JVM (a native overflow ends the process) on a thread with
 * the DuckDB handler's stack, huge texts, and texts json_serialize_sql refuses.
 *
 * <p>It is compiled together with the core's classes (it calls the package-private ColumnLabels and reads
 * ColumnLabelsTest's table), so it is not a single-file launch: see bench/column-labels.sh.
 */
public class ColumnLabelsBench {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";

    /** Cases of ColumnLabelsTest's other methods that it checks against ColumnLabels alone: here PostgreSQL says. */
    private static final String[][] EXTRA = {
        {"insert into u values (1, 'a') returning k, k + 1, upper(v)"},
        {"select double precision '1', timestamp with time zone 'now', 'a'::character(2), '1'::bit varying, "
            + "1::float(3), 1::smallint, 't'::boolean, interval '1' day"},
        {"select trim(y), trim(leading 'a' from y), collation for (y), coalesce(x), row(1, 2), (1, 2) from t"},
        {"select 'a' is normalized, 'a' is not normalized"},
        {"select 1 a, t.*, u.* from t, u"},
        {"select 1 as " + "a".repeat(70)},
        {"select 1 as \"" + "é".repeat(40) + "\""},
        // more of PostgreSQL's grammar, to try to break both
        {"select array(select 1), arr::int[], '{1}'::int[], (select x from t limit 1)::text from t"},
        {"select -1::int, (x), ((y)), t.arr[1:2], x::pg_catalog.int4, 1::pg_catalog.int4 from t"},
        {"select overlay('abc' placing 'x' from 1), grouping(x), count(distinct x), row_to_json(t) "
            + "from t group by x, t"},
        {"select case when true then x end, case when true then 1::text else x::text end, "
            + "(case when true then 1 end)::text from t"},
        {"select 1 as select, 2 as from, x \"from\", \"Foo\" + 1 from t"},
        {"select e'a\\nb', u&'\\0041', $$a$$, true::boolean, array[[1,2],[3,4]], coalesce(x, 0)::text from t"},
        {"select current_timestamp(0), localtimestamp(2), now()::timestamp(0), 1 \"x\"\"y\""},
        {"select (select 1 union select 2 limit 1), (values (1)), exists (select 1) as e, not exists (select 1)"},
        {"select int4 '1', text 'a', bool 't', float8 '1.5', numeric '1', char 'a', bit '1', "
            + "time with time zone '10:00', interval '1' year to month, 'x'::\"char\""},
        {"select x from t union select k from u order by x"},
        {"select x::int + 1, not x::bool, array_agg(x order by x desc), x between symmetric 1 and 2 from t group by x"},
        {"select t1.x, t1.y as z from t t1 where t1.x in (select k from u)"},
        {"with w(a, b) as (select 1, 2) select a, b, a + b from w"},
        {"select x, count(*) from t group by 1 having count(*) > 0 order by 2 desc limit 1"},
        {"select * from t, lateral (select x * 2 as twice) s"},
        {"update t set x = x returning x, y || 'z', *"},
        {"delete from u where false returning v"},
    };

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("probe")) {
            probe(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]));
            return;
        }
        List<String> parts = args.length == 0 ? List.of("exactness", "cost", "robustness") : List.of(args);
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String ddl : ColumnLabelsTest.DUCK_DDL.split(";")) {
                try (Statement s = duck.createStatement()) {
                    s.execute(ddl);
                }
            }
            JsonLabels json = new JsonLabels(duck);
            if (parts.contains("exactness")) {
                exactness(duck, json);
            }
            if (parts.contains("cost")) {
                cost(duck, json);
            }
        }
        if (parts.contains("robustness")) {
            robustness(System.getProperty("java.class.path"));
        }
    }

    // ---- (a) exactness ----

    private static void exactness(Connection duck, JsonLabels json) throws Exception {
        String schema = "bv_labels_bench_" + ProcessHandle.current().pid();
        List<String[]> corpus = new ArrayList<>(Arrays.asList(ColumnLabelsTest.CASES));
        corpus.addAll(Arrays.asList(EXTRA));
        int[] java = new int[4]; // exact, wrong, unnamed (falls back to DuckDB's name), columns right
        int[] jsonCounts = new int[4];
        int columns = 0;
        List<String> lines = new ArrayList<>();
        try (Connection pg = DriverManager.getConnection(PG_URL); Statement s = pg.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            try {
                s.execute("SET search_path = " + schema);
                for (String ddl : ColumnLabelsTest.PG_DDL.split(";")) {
                    s.execute(ddl);
                }
                pg.setAutoCommit(false);
                for (String[] c : corpus) {
                    List<String> truth = pgLabels(pg, c[0]);
                    pg.rollback();
                    String sql = ColumnLabelsTest.serverText(c[0]);
                    List<String> byJava = ColumnLabels.of(sql, truth.size());
                    List<String> byJson = json.of(sql, truth.size());
                    boolean star = sql.contains("*");
                    columns += truth.size();
                    String vj = score(truth, byJava, star, java);
                    String vs = score(truth, byJson, star, jsonCounts);
                    if (!vj.equals("ok") || !vs.equals("ok")) {
                        lines.add(String.format("  %-70.70s pg=%s%n      ColumnLabels %s %s%n      json         %s %s",
                                c[0], truth, vj, byJava, vs, byJson));
                    }
                }
            } finally {
                pg.rollback();
                pg.setAutoCommit(true);
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
        System.out.printf("(a) exactness: %d statements, %d columns, PostgreSQL 15's names as the truth%n",
                corpus.size(), columns);
        System.out.printf("  %-26s %10s %12s %14s %12s%n", "labeller", "stmts ok", "cols right", "cols wrong",
                "cols unnamed");
        System.out.printf("  %-26s %10d %12d %14d %12d%n", "ColumnLabels (Java)", java[0], java[3], java[1], java[2]);
        System.out.printf("  %-26s %10d %12d %14d %12d%n", "json_serialize_sql proto", jsonCounts[0], jsonCounts[3],
                jsonCounts[1], jsonCounts[2]);
        System.out.println("  (a star's columns left unnamed count as right: DuckDB names them after the table)");
        lines.forEach(System.out::println);
    }

    /** Scores one statement; counts[0] statements fully right, [1] columns wrong, [2] unnamed, [3] right. */
    private static String score(List<String> truth, List<String> got, boolean star, int[] counts) {
        int wrong = 0;
        int unnamed = 0;
        for (int i = 0; i < truth.size(); i++) {
            String g = got == null ? null : got.get(i);
            if (g == null) {
                if (!star) {
                    unnamed++;
                }
            } else if (!g.equals(truth.get(i))) {
                wrong++;
            }
        }
        counts[1] += wrong;
        counts[2] += unnamed;
        counts[3] += truth.size() - wrong - unnamed;
        if (wrong == 0 && unnamed == 0) {
            counts[0]++;
            return "ok";
        }
        return wrong > 0 ? "WRONG" : "unnamed";
    }

    private static List<String> pgLabels(Connection pg, String sql) throws SQLException {
        try (PreparedStatement ps = pg.prepareStatement(sql)) {
            for (int i = 1; i <= ps.getParameterMetaData().getParameterCount(); i++) {
                ps.setInt(i, 1);
            }
            ps.execute();
            ResultSetMetaData meta = ps.getResultSet() != null ? ps.getResultSet().getMetaData() : ps.getMetaData();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                names.add(meta.getColumnLabel(i));
            }
            return names;
        }
    }

    // ---- (b) cost ----

    private static void cost(Connection duck, JsonLabels json) throws SQLException {
        String point = "SELECT v FROM bench_t WHERE id = 42";
        StringBuilder sb = new StringBuilder("SELECT ");
        for (int i = 0; i < 300; i++) {
            sb.append(i == 0 ? "" : ", ").append("CASE WHEN x > ").append(i).append(" THEN coalesce(upper(y), 'n")
                    .append(i).append("') ELSE CAST(x + ").append(i).append(" AS text) END AS c").append(i);
        }
        String longSql = sb.append(" FROM t WHERE x IN (SELECT k FROM u) ORDER BY 1").toString();
        try (Statement s = duck.createStatement()) {
            s.execute("CREATE TABLE bench_t(id BIGINT PRIMARY KEY, v VARCHAR)");
            s.execute("INSERT INTO bench_t SELECT i, 'value ' || i FROM range(1000) r(i)");
        }
        System.out.printf("%n(b) cost per statement, µs (median of 7 interleaved rounds of ~0.3 s each)%n");
        System.out.printf("  %-30s %14s %14s %14s %14s %10s%n", "statement", "ColumnLabels", "json+labels",
                "json only", "duck prepare", "json/java");
        for (String[] c : new String[][] {{"point query (35 chars)", point},
                {"long (" + longSql.length() / 1000 + " KB, 300 items)", longSql}}) {
            String sql = c[1];
            int n = sql == point ? 1 : 300;
            double[][] rounds = new double[4][7];
            for (int warm = 0; warm < 2; warm++) {
                for (int r = 0; r < 7; r++) {
                    rounds[0][r] = time(() -> ColumnLabels.read(sql).names(n));
                    rounds[1][r] = time(() -> json.of(sql, n));
                    rounds[2][r] = time(() -> json.serialize(sql));
                    rounds[3][r] = time(() -> {
                        try (PreparedStatement ps = duck.prepareStatement(sql)) {
                            return ps;
                        }
                    });
                }
            }
            double[] med = new double[4];
            for (int k = 0; k < 4; k++) {
                Arrays.sort(rounds[k]);
                med[k] = rounds[k][3];
            }
            System.out.printf("  %-30s %14.1f %14.1f %14.1f %14.1f %10.1f%n", c[0], med[0], med[1], med[2], med[3],
                    med[1] / med[0]);
        }
    }

    interface Work {
        Object run() throws Exception;
    }

    /** Microseconds per call over ~0.3 s. */
    private static double time(Work w) {
        try {
            long calls = 0;
            long start = System.nanoTime();
            long end = start + 300_000_000L;
            Object sink = null;
            long now;
            do {
                for (int i = 0; i < 10; i++) {
                    sink = w.run();
                }
                calls += 10;
                now = System.nanoTime();
            } while (now < end);
            if (sink == ColumnLabelsBench.class) {
                System.out.print("");
            }
            return (now - start) / 1000.0 / calls;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- (c) robustness ----

    private static final String[] SHAPES = {"parens", "not", "case", "cast", "plus", "subquery", "ctes"};

    private static void robustness(String cp) throws Exception {
        System.out.printf("%n(c) robustness of json_serialize_sql (each probe in a child JVM: a native stack "
                + "overflow ends the process)%n");
        for (long stack : new long[] {DuckDbHandler.THREAD_STACK_SIZE, 4L << 20}) {
            for (String shape : SHAPES) {
                for (int depth : new int[] {900, 2000}) {
                    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", cp,
                            ColumnLabelsBench.class.getName(), "probe", shape, String.valueOf(depth),
                            String.valueOf(stack)).redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes()).strip();
                    int rc = p.waitFor();
                    String last = out.isEmpty() ? "" : out.substring(out.lastIndexOf('\n') + 1);
                    System.out.printf("  stack %2d MiB %-9s depth %4d: exit %3d %s%n", stack >> 20, shape, depth, rc,
                            last.length() > 110 ? last.substring(0, 110) : last);
                }
            }
        }
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
            JsonLabels json = new JsonLabels(duck);
            for (String sql : new String[] {"PRAGMA version", "SHOW TABLES", "insert into t values (1)",
                    "select 1; select 2", "selec 1", "select 1,", "select (1", "explain select 1",
                    "select * from read_csv('x')", "create table z(a int)", "set search_path = 'x'", "",
                    "select 'a' is normalized", "-- only a comment"}) {
                String out = json.serialize(sql);
                System.out.printf("  %-32s -> %s%n", "'" + sql + "'", out.length() > 100 ? out.substring(0, 100) : out);
            }
            for (int mb : new int[] {1, 8}) {
                StringBuilder sb = new StringBuilder("SELECT ");
                int items = 0;
                while (sb.length() < mb << 20) {
                    sb.append(items == 0 ? "" : ", ").append("upper(y) || '").append(items).append("' AS c")
                            .append(items);
                    items++;
                }
                String sql = sb.append(" FROM t").toString();
                long t0 = System.nanoTime();
                String out = json.serialize(sql);
                long t1 = System.nanoTime();
                List<String> names = json.of(sql, items);
                long t2 = System.nanoTime();
                List<String> javaNames = ColumnLabels.of(sql, items);
                long t3 = System.nanoTime();
                System.out.printf("  %d MiB select list (%d items): json %d MiB of JSON in %d ms, json labels %d ms"
                        + " (%s), ColumnLabels %d ms (%s)%n", mb, items, out.length() >> 20, (t1 - t0) / 1_000_000,
                        (t2 - t1) / 1_000_000, names == null ? "none" : "named", (t3 - t2) / 1_000_000,
                        javaNames == null ? "none" : "named");
            }
        }
    }

    /** Runs one nesting shape through json_serialize_sql and the prototype on a thread with the given stack. */
    private static void probe(String shape, int n, long stack) throws Exception {
        String sql = switch (shape) {
            case "parens" -> "SELECT " + "(".repeat(n) + "1" + ")".repeat(n);
            case "not" -> "SELECT " + "NOT ".repeat(n) + "true";
            case "case" -> "SELECT " + "CASE WHEN true THEN ".repeat(n) + "1" + " END".repeat(n);
            case "cast" -> "SELECT " + "CAST(".repeat(n) + "1" + " AS int)".repeat(n);
            case "plus" -> "SELECT 1" + "+1".repeat(n);
            case "subquery" -> "SELECT " + "(SELECT ".repeat(n) + "1" + ")".repeat(n);
            case "ctes" -> {
                StringBuilder sb = new StringBuilder("WITH c0 AS (SELECT 1 AS x)");
                for (int i = 1; i < n; i++) {
                    sb.append(", c").append(i).append(" AS (SELECT x FROM c").append(i - 1).append(')');
                }
                yield sb.append(" SELECT x FROM c").append(n - 1).toString();
            }
            default -> throw new IllegalArgumentException(shape);
        };
        Object[] result = new Object[1];
        Thread t = new Thread(null, () -> {
            try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
                JsonLabels json = new JsonLabels(duck);
                String out = json.serialize(sql);
                List<String> names = json.of(sql, 1);
                result[0] = "json " + (out.length() >> 10) + " KiB, " + (out.startsWith("{\"error\":true")
                        ? out.substring(0, Math.min(90, out.length())) : "labels " + names);
            } catch (Throwable e) {
                result[0] = e.toString();
            }
        }, "connection", stack);
        t.start();
        t.join();
        System.out.println(result[0]);
    }

    // ---- the prototype ----

    /**
     * Column names as PostgreSQL's FigureColnameInternal would give them, read from DuckDB's parse tree
     * ({@code json_serialize_sql}). Null where the JSON cannot tell; null as a whole when DuckDB cannot serialize
     * the statement (anything but a SELECT, several statements, a syntax error).
     */
    static final class JsonLabels {
        private static final Map<String, String> TYPES = Map.ofEntries(Map.entry("INTEGER", "int4"),
                Map.entry("INT", "int4"), Map.entry("INT4", "int4"), Map.entry("BIGINT", "int8"),
                Map.entry("SMALLINT", "int2"), Map.entry("DOUBLE", "float8"), Map.entry("FLOAT", "float4"),
                Map.entry("REAL", "float4"), Map.entry("DECIMAL", "numeric"), Map.entry("NUMERIC", "numeric"),
                Map.entry("BOOLEAN", "bool"), Map.entry("VARCHAR", "varchar"), Map.entry("TEXT", "text"),
                Map.entry("TIMESTAMP", "timestamp"), Map.entry("TIMESTAMP WITH TIME ZONE", "timestamptz"),
                Map.entry("TIMESTAMPTZ", "timestamptz"), Map.entry("TIME", "time"), Map.entry("DATE", "date"),
                Map.entry("INTERVAL", "interval"), Map.entry("BIT", "bit"), Map.entry("CHAR", "bpchar"),
                Map.entry("BPCHAR", "bpchar"));
        private static final Map<String, String> FUNCTIONS = Map.of("count_star", "count", "trim", "btrim",
                "list_value", "array", "date_part", "extract");

        private final Connection conn;
        private final PreparedStatement serialize;
        private String text;

        JsonLabels(Connection conn) throws SQLException {
            this.conn = conn;
            this.serialize = conn.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)");
        }

        String serialize(String sql) throws SQLException {
            serialize.setString(1, sql);
            try (ResultSet rs = serialize.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }

        List<String> of(String sql, int columnCount) throws Exception {
            String out = serialize(sql);
            JsonReader reader = new JsonReader(new StringReader(out));
            reader.setNestingLimit(Integer.MAX_VALUE);
            reader.setStrictness(Strictness.LENIENT);
            JsonObject root = JsonParser.parseReader(reader).getAsJsonObject();
            if (root.get("error").getAsBoolean()) {
                return null;
            }
            JsonArray statements = root.getAsJsonArray("statements");
            if (statements.size() != 1) {
                return null;
            }
            text = sql;
            List<Object> items = selectList(statements.get(0).getAsJsonObject().getAsJsonObject("node"));
            return items == null ? null : match(items, columnCount);
        }

        /** The items of a query node: a name (String, null unknown), STAR, or WIDE. */
        private List<Object> selectList(JsonObject node) {
            String type = node.get("type").getAsString();
            if (type.equals("SET_OPERATION_NODE")) {
                JsonElement left = node.has("children") ? node.getAsJsonArray("children").get(0) : node.get("left");
                return selectList(left.getAsJsonObject());
            }
            if (!type.equals("SELECT_NODE")) {
                return null;
            }
            JsonArray list = node.getAsJsonArray("select_list");
            JsonObject from = node.getAsJsonObject("from_table");
            if (from != null && from.get("type").getAsString().equals("EXPRESSION_LIST") && list.size() == 1
                    && list.get(0).getAsJsonObject().get("class").getAsString().equals("STAR")) {
                int n = from.getAsJsonArray("values").get(0).getAsJsonArray().size();
                List<Object> values = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    values.add("column" + i);
                }
                return values;
            }
            List<Object> items = new ArrayList<>();
            for (JsonElement e : list) {
                JsonObject item = e.getAsJsonObject();
                String alias = item.get("alias").getAsString();
                if (!alias.isEmpty()) {
                    items.add(ColumnLabels.truncate(alias));
                } else if (item.get("class").getAsString().equals("STAR")) {
                    items.add(STAR);
                } else if (item.get("class").getAsString().equals("FUNCTION")
                        && item.get("function_name").getAsString().equals("unnest")) {
                    items.add(WIDE);
                } else {
                    Object[] name = name(item);
                    items.add(name == null ? null : name[1].equals(0) ? ColumnLabels.NO_NAME
                            : ColumnLabels.truncate((String) name[0]));
                }
            }
            return items;
        }

        private static final Object STAR = new Object();
        private static final Object WIDE = new Object();
        private static final Object[] NONE = {null, 0};

        /** {name, strength} as FigureColnameInternal: 0 none, 1 a type or case, 2 a column, function or construct. */
        private Object[] name(JsonObject e) {
            String cls = e.get("class").getAsString();
            String type = e.get("type").getAsString();
            switch (cls) {
                case "COLUMN_REF": {
                    JsonArray parts = e.getAsJsonArray("column_names");
                    String last = parts.get(parts.size() - 1).getAsString();
                    return new Object[] {quoted(e) ? last : last.toLowerCase(Locale.ROOT), 2};
                }
                case "FUNCTION":
                case "WINDOW": {
                    if (e.has("is_operator") && e.get("is_operator").getAsBoolean()) {
                        return NONE;
                    }
                    String fn = e.get("function_name").getAsString();
                    String written = wordAt(e);
                    if (fn.equals("date_part") && !"extract".equals(written)) {
                        return new Object[] {fn, 2};
                    }
                    if (fn.equals("timezone") && !"timezone".equals(written)) {
                        return new Object[] {fn, 2};
                    }
                    return new Object[] {FUNCTIONS.getOrDefault(fn, fn), 2};
                }
                case "CAST": {
                    Object[] inner = name(e.getAsJsonObject("child"));
                    if (inner != null && (int) inner[1] == 2) {
                        return inner;
                    }
                    String t = typeName(e.getAsJsonObject("type_expr"));
                    return t == null ? null : new Object[] {t, 1};
                }
                case "CASE": {
                    JsonElement other = e.get("else_expr");
                    Object[] inner = other == null || other.isJsonNull() ? NONE : name(other.getAsJsonObject());
                    return inner != null && (int) inner[1] == 2 ? inner : new Object[] {"case", 1};
                }
                case "COLLATE":
                    return name(e.getAsJsonObject("child"));
                case "SUBQUERY": {
                    String kind = e.get("subquery_type").getAsString();
                    if (kind.equals("EXISTS")) {
                        return new Object[] {"exists", 2};
                    }
                    if (!kind.equals("SCALAR")) {
                        return NONE;
                    }
                    List<Object> inner = selectList(e.getAsJsonObject("subquery").getAsJsonObject("node"));
                    Object first = inner == null || inner.isEmpty() ? null : inner.get(0);
                    return first instanceof String s ? new Object[] {s, 2} : null;
                }
                case "OPERATOR":
                    switch (type) {
                        case "OPERATOR_COALESCE":
                            return new Object[] {"coalesce", 2};
                        case "ARRAY_CONSTRUCTOR":
                            return new Object[] {"array", 2};
                        case "ARRAY_EXTRACT":
                        case "ARRAY_SLICE":
                            return name(e.getAsJsonArray("children").get(0).getAsJsonObject());
                        case "STRUCT_EXTRACT": {
                            JsonObject field = e.getAsJsonArray("children").get(1).getAsJsonObject();
                            return new Object[] {field.getAsJsonObject("literal").get("text").getAsString(), 2};
                        }
                        default:
                            return NONE;
                    }
                case "CONSTANT":
                case "PARAMETER":
                case "COMPARISON":
                case "CONJUNCTION":
                case "BETWEEN":
                    return NONE;
                default:
                    return null; // LAMBDA, STAR inside an expression and the like: unsure
            }
        }

        /** PostgreSQL's name of a DuckDB type node: its canonical name, an array's element type. */
        private static String typeName(JsonObject t) {
            String name = t.get("type_name").getAsString();
            if (name.equalsIgnoreCase("list") || name.equalsIgnoreCase("array")) {
                return typeName(t.getAsJsonArray("children").get(0).getAsJsonObject());
            }
            return TYPES.getOrDefault(name.toUpperCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
        }

        /** Whether the text at a column reference ends with a quote (DuckDB keeps the case either way). */
        private boolean quoted(JsonObject e) {
            long at = e.get("query_location").getAsLong();
            long len = e.has("query_location_length") ? e.get("query_location_length").getAsLong() : 0;
            return at >= 0 && len > 0 && at + len <= text.length() && text.charAt((int) (at + len - 1)) == '"';
        }

        /** The word the client wrote where a node begins, lower-cased. */
        private String wordAt(JsonObject e) {
            long at = e.get("query_location").getAsLong();
            if (at < 0 || at >= text.length()) {
                return null;
            }
            int end = (int) at;
            while (end < text.length() && Character.isLetterOrDigit(text.charAt(end)) || end < text.length()
                    && text.charAt(end) == '_') {
                end++;
            }
            return text.substring((int) at, end).toLowerCase(Locale.ROOT);
        }

        /** ColumnLabels' matching of items to columns around stars, for the prototype's items. */
        private static List<String> match(List<Object> items, int columnCount) {
            String[] names = new String[columnCount];
            int first = -1;
            int last = -1;
            boolean star = false;
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i) == STAR || items.get(i) == WIDE) {
                    first = first < 0 ? i : first;
                    last = i;
                    star |= items.get(i) == STAR;
                }
            }
            if (!star && items.size() == columnCount) {
                for (int i = 0; i < columnCount; i++) {
                    names[i] = items.get(i) instanceof String s ? s : null;
                }
            } else if (first >= 0 && first + items.size() - 1 - last <= columnCount) {
                for (int i = 0; i < first; i++) {
                    names[i] = items.get(i) instanceof String s ? s : null;
                }
                for (int k = 1; k <= items.size() - 1 - last; k++) {
                    Object o = items.get(items.size() - k);
                    names[columnCount - k] = o instanceof String s ? s : null;
                }
            } else {
                return null;
            }
            return Arrays.stream(names).allMatch(n -> n == null) ? null : Arrays.asList(names);
        }
    }
}
