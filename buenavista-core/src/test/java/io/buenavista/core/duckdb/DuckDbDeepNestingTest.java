package io.buenavista.core.duckdb;

import io.buenavista.api.SqlState;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.DataRow;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.WireClient;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Deeply nested SQL of every shape, through the in-process server: each statement either answers correctly or gets a
 * clean ErrorResponse (54001, as PostgreSQL answers an expression nested too deeply), and the session goes on.
 *
 * <p>DuckDB parses, binds and plans on the calling thread, recursing natively per nesting level; on a thread with
 * the JVM's default 1 MiB stack an 800-term {@code 1+1+…} overflows it and the JVM dies with SIGSEGV. These
 * statements run on the server's connection threads inside this test JVM, so without large enough stacks this class
 * does not fail politely: it kills the surefire fork, which fails the build.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DuckDbDeepNestingTest {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";

    /**
     * A nesting shape: the statement at a depth, its answer in text ({@link #ANY} for any value), and the depth it
     * must be answered at: the deepest DuckDB accepts, measured, for DuckDB's limits count levels differently per
     * shape (a parenthesized operator is two, a subquery several). Chains DuckDB flattens (AND) have no limit.
     */
    private record Shape(String name, IntFunction<String> sql, IntFunction<String> answer, int deep, boolean flat) {
        Shape(String name, IntFunction<String> sql, IntFunction<String> answer, int deep) {
            this(name, sql, answer, deep, false);
        }
    }

    private static final String ANY = "any value";

    /** Below DuckDB's max_expression_depth (1000); an 800-term expression already overflows a 1 MiB stack. */
    private static final int DEEP = 990;

    private static final List<Shape> SHAPES = List.of(
            new Shape("operators", n -> "SELECT " + "1+".repeat(n) + "1", n -> String.valueOf(n + 1), DEEP),
            new Shape("right-nested operators", n -> "SELECT " + "(1+".repeat(n) + "1" + ")".repeat(n),
                    n -> String.valueOf(n + 1), 495),
            new Shape("nested calls", n -> "SELECT " + "abs(".repeat(n) + "-1" + ")".repeat(n), n -> "1", DEEP),
            new Shape("concatenation", n -> "SELECT " + "'a'||".repeat(n) + "'a'", n -> "a".repeat(n + 1), DEEP),
            new Shape("parentheses", n -> "SELECT " + "(".repeat(n) + "7" + ")".repeat(n), n -> "7", DEEP),
            new Shape("CASE", n -> "SELECT " + "CASE WHEN true THEN ".repeat(n) + "1" + " ELSE 0 END".repeat(n),
                    n -> "1", DEEP),
            new Shape("coalesce", n -> "SELECT " + "coalesce(".repeat(n) + "1" + ", 2)".repeat(n), n -> "1", DEEP),
            new Shape("NOT", n -> "SELECT " + "NOT ".repeat(n) + "true", n -> n % 2 == 0 ? "t" : "f", DEEP),
            new Shape("AND", n -> "SELECT " + "true AND ".repeat(n) + "true", n -> "t", DEEP, true),
            new Shape("casts", n -> "SELECT 1" + "::int".repeat(n), n -> "1", DEEP),
            new Shape("scalar subqueries", n -> "SELECT " + "(SELECT ".repeat(n) + "1" + ")".repeat(n), n -> "1",
                    160),
            new Shape("FROM subqueries", n -> "SELECT * FROM " + "(SELECT * FROM ".repeat(n) + "(SELECT 1) t"
                    + ") t".repeat(n), n -> "1", 160),
            new Shape("CTE chain", DuckDbDeepNestingTest::cteChain, n -> String.valueOf(n + 1), DEEP),
            // DuckDB binds nested lists and structs in time that grows with the cube of the depth, deaf to cancels:
            // the lock-down allows 64 levels (see valuesNestedDeeperThan64LevelsGet54000AtOnce).
            new Shape("lists", n -> "SELECT " + "[".repeat(n) + "1" + "]".repeat(n), n -> ANY,
                    DuckDbLockdown.MAX_VALUE_NESTING),
            new Shape("structs", n -> "SELECT " + "{'a': ".repeat(n) + "1" + "}".repeat(n), n -> ANY,
                    DuckDbLockdown.MAX_VALUE_NESTING));

    /** Lists and structs built by every syntax DuckDB has, at a depth. */
    private static final List<IntFunction<String>> NESTED_VALUES = List.of(
            n -> "SELECT " + "[".repeat(n) + "1" + "]".repeat(n),
            n -> "SELECT " + "{'a': ".repeat(n) + "1" + "}".repeat(n),
            n -> "SELECT " + "list_value(".repeat(n) + "1" + ")".repeat(n),
            n -> "SELECT " + "ARRAY[".repeat(n) + "1" + "]".repeat(n),
            n -> "SELECT " + "struct_pack(a := ".repeat(n) + "1" + ")".repeat(n),
            n -> "SELECT " + "row(".repeat(n) + "1" + ")".repeat(n),
            n -> "SELECT " + "MAP {1: ".repeat(n) + "1" + "}".repeat(n),
            n -> "SELECT NULL::" + "STRUCT(a ".repeat(n) + "INTEGER" + ")".repeat(n));

    private static String cteChain(int n) {
        StringBuilder sql = new StringBuilder("WITH c0 AS (SELECT 1 AS x)");
        for (int i = 1; i <= n; i++) {
            sql.append(", c").append(i).append(" AS (SELECT x + 1 AS x FROM c").append(i - 1).append(')');
        }
        return sql.append(" SELECT x FROM c").append(n).toString();
    }

    private static DuckDbHandler handler;
    private static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        handler = new DuckDbHandler(DuckDbConfig.inMemory());
        server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (handler != null) {
            handler.close();
        }
    }

    private static WireClient client(BuenaVistaServer s) {
        WireClient c = WireClient.connect("127.0.0.1", s.port());
        // DuckDB binds some deep shapes slowly (CTE chains: seconds); this bounds a hang, not the speed.
        c.setReadTimeout(Duration.ofSeconds(120));
        c.login("tester", "test");
        return c;
    }

    /** The one value of a one-row answer, or the error. */
    private record Outcome(String value, ErrorResponse error) {}

    private static Outcome outcome(List<BackendMessage> messages) {
        String value = null;
        for (BackendMessage m : messages) {
            if (m instanceof ErrorResponse e) {
                return new Outcome(null, e);
            }
            if (m instanceof DataRow row && row.values().get(0) != null) {
                value = new String(row.values().get(0), StandardCharsets.UTF_8);
            }
        }
        return new Outcome(value, null);
    }

    /** The shape at a depth it must answer at: the right value. */
    private static void check(Shape shape, int depth, Outcome outcome, String how) {
        String expected = shape.answer().apply(depth);
        String what = shape.name() + " at depth " + depth + " (" + how + ")";
        if (outcome.error() != null) {
            fail(what + " failed: " + outcome.error());
        }
        if (!expected.equals(ANY)) {
            assertEquals(expected, outcome.value(), what);
        }
    }

    @Test
    void everyShapeAtDuckDbsLimitAnswersInSimpleQuery() {
        try (WireClient c = client(server)) {
            for (Shape shape : SHAPES) {
                int depth = shape.deep();
                check(shape, depth, outcome(c.simpleQuery(shape.sql().apply(depth))), "simple query");
                assertEquals("1", outcome(c.simpleQuery("SELECT 1")).value(), "session after " + shape.name());
            }
        }
    }

    @Test
    void everyShapeAtDuckDbsLimitAnswersInTheExtendedProtocol() {
        try (WireClient c = client(server)) {
            for (Shape shape : SHAPES) {
                int depth = shape.deep();
                c.send(Frontend.parse("", shape.sql().apply(depth)), Frontend.bind("", ""),
                        Frontend.describePortal(""), Frontend.execute("", 0), Frontend.sync());
                check(shape, depth, outcome(c.readUntilReady()), "extended protocol");
                assertEquals("1", outcome(c.simpleQuery("SELECT 1")).value(), "session after " + shape.name());
            }
        }
    }

    @Test
    void everyShapeAtDuckDbsLimitAnswersPgjdbcInEveryMode() throws SQLException {
        for (String mode : List.of("preferQueryMode=simple", "preferQueryMode=extended&prepareThreshold=-1")) {
            try (Connection conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                    + "/test?user=tester&sslmode=disable&" + mode); Statement st = conn.createStatement()) {
                for (Shape shape : SHAPES) {
                    int depth = shape.deep();
                    Outcome outcome;
                    try (ResultSet rs = st.executeQuery(shape.sql().apply(depth))) {
                        assertTrue(rs.next());
                        String value = rs.getString(1);
                        // pgjdbc spells booleans read in binary "true"/"false", in text "t"/"f"
                        outcome = new Outcome(value.equals("true") || value.equals("false")
                                ? value.substring(0, 1) : value, null);
                    } catch (SQLException e) {
                        outcome = new Outcome(null, new ErrorResponse(Map.of('C', e.getSQLState(),
                                'M', String.valueOf(e.getMessage()))));
                    }
                    check(shape, depth, outcome, "pgjdbc " + mode);
                    try (ResultSet rs = st.executeQuery("SELECT 1")) {
                        assertTrue(rs.next());
                    }
                }
            }
        }
    }

    @Test
    void deeperThanTheLimitsGets54001AndTheSessionGoesOn() {
        try (WireClient c = client(server)) {
            for (Shape shape : SHAPES) {
                for (int depth : new int[] {1_500, 5_000}) {
                    long start = System.nanoTime();
                    Outcome outcome = outcome(c.simpleQuery(shape.sql().apply(depth)));
                    String what = shape.name() + " at depth " + depth;
                    System.out.printf("%s: %d ms%n", what, (System.nanoTime() - start) / 1_000_000);
                    if (shape.flat()) {
                        check(shape, depth, outcome, "flat chain");
                    } else if (shape.deep() == DuckDbLockdown.MAX_VALUE_NESTING) {
                        assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, outcome.error() == null ? null
                                : outcome.error().field('C'), what + ": " + outcome);
                    } else {
                        assertTrue(outcome.error() != null, what + " answered " + outcome.value()
                                + " beyond DuckDB's max_expression_depth");
                        assertEquals(SqlState.STACK_DEPTH_LIMIT_EXCEEDED, outcome.error().field('C'),
                                what + ": " + outcome.error());
                    }
                    assertEquals("1", outcome(c.simpleQuery("SELECT 1")).value(), "session after " + what);
                }
            }
        }
    }

    /**
     * Lists and structs nested one level deeper than the lock-down allows are refused before DuckDB sees them, in
     * every syntax; 990 levels, which DuckDB would bind for about a minute of a core whatever the client's
     * {@code statement_timeout} (it checks for no cancel while binding), get the same answer at once. One level
     * less is answered, and ordinary list work (subscripts, slices, nested types, casts) is untouched.
     */
    @Test
    void valuesNestedDeeperThan64LevelsGet54000AtOnce() {
        int limit = DuckDbLockdown.MAX_VALUE_NESTING;
        try (WireClient c = client(server)) {
            c.simpleQuery("SET statement_timeout = '60s'");
            for (IntFunction<String> nested : NESTED_VALUES) {
                String allowed = nested.apply(limit);
                assertEquals(null, outcome(c.simpleQuery(allowed)).error(), allowed);
                for (int depth : new int[] {limit + 1, 300, 990}) {
                    String sql = nested.apply(depth);
                    ErrorResponse e = outcome(c.simpleQuery(sql)).error();
                    assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, e == null ? null : e.field('C'),
                            sql.substring(0, 40) + "… at depth " + depth + ": " + e);
                    c.send(Frontend.parse("", sql), Frontend.bind("", ""), Frontend.execute("", 0), Frontend.sync());
                    e = outcome(c.readUntilReady()).error();
                    assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, e == null ? null : e.field('C'),
                            "extended protocol, depth " + depth);
                }
                assertEquals("1", outcome(c.simpleQuery("SELECT 1")).value());
            }
            List<String[]> ordinary = List.of(
                    new String[] {"SELECT [[1, 2], [3]][1][2]", "2"},
                    new String[] {"SELECT ([1, 2, 3, 4])[2:3]", "{2,3}"},
                    new String[] {"SELECT {'a': [1, {'b': 2}['b']]}.a[2]", "2"},
                    new String[] {"SELECT (NULL::INTEGER[][][][][][][][][][][][])", null},
                    new String[] {"SELECT list_value(list_value(1), list_value(2, 3))", "[[1],[2,3]]"},
                    new String[] {"SELECT (row(1, row(2, 3)))[2][1]", "2"},
                    new String[] {"SELECT map([1], [map(['k'], [2])])[1]['k']", "2"});
            for (String[] q : ordinary) {
                Outcome o = outcome(c.simpleQuery(q[0]));
                assertEquals(null, o.error(), q[0]);
                assertEquals(q[1], o.value(), q[0]);
            }
        }
    }

    /** PostgreSQL answers a 20 000-term expression with 54001 stack depth limit exceeded; so does the server. */
    @Test
    void aVeryLongExpressionIsRefusedAsPostgresRefusesIt() throws SQLException {
        String sql = "SELECT " + "1+".repeat(20_000) + "1";
        String pgState;
        try (Connection pg = DriverManager.getConnection(PG_URL); Statement st = pg.createStatement()) {
            st.executeQuery(sql);
            pgState = null;
        } catch (SQLException e) {
            pgState = e.getSQLState();
        }
        assertEquals(SqlState.STACK_DEPTH_LIMIT_EXCEEDED, pgState);
        try (WireClient c = client(server)) {
            Outcome outcome = outcome(c.simpleQuery(sql));
            assertEquals(pgState, outcome.error() == null ? null : outcome.error().field('C'));
            assertEquals("1", outcome(c.simpleQuery("SELECT 1")).value());
        }
    }

    /**
     * An embedder's executor whose threads have a small stack: the server still runs DuckDB on threads with the
     * stack the handler asks for, so the statement that overflows a small stack is answered.
     */
    @Test
    void anEmbeddersExecutorWithSmallStacksCannotCrashTheProcess() {
        ExecutorService small = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(null, r, "embedder-small-stack", 512 * 1024);
            t.setDaemon(true);
            return t;
        });
        // Its own handler: closing a server closes its handlers.
        try (BuenaVistaServer s = BuenaVistaServer.builder().port(0).discoverProviders(false)
                .handler(new DuckDbHandler(DuckDbConfig.inMemory())).executor(small).build().start();
                WireClient c = client(s)) {
            for (Shape shape : SHAPES.subList(0, 4)) {
                check(shape, shape.deep(), outcome(c.simpleQuery(shape.sql().apply(shape.deep()))),
                        "embedder's executor");
            }
            assertEquals("1", outcome(c.simpleQuery("SELECT 1")).value());
        } finally {
            small.shutdownNow();
        }
    }
}
