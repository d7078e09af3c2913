package io.buenavista.core.duckdb;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.Principal;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.api.StartupRequest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Drives a handler through the SPI the way the core does. */
final class DuckDbTestSupport {
    private DuckDbTestSupport() {}

    /** A session context with no settings, as if a client connected without options. */
    record TestContext(Map<String, String> settings, List<PgException> notices) implements SessionContext {
        TestContext() {
            this(Map.of(), Collections.synchronizedList(new ArrayList<>()));
        }

        @Override
        public Route route() {
            return Route.of("duckdb", "test");
        }

        @Override
        public Principal principal() {
            return Principal.of("tester");
        }

        @Override
        public StartupRequest startup() {
            return new StartupRequest("tester", "test", "", Map.of(), Map.of("user", "tester"), null, false);
        }

        @Override
        public String setting(String name) {
            return settings.get(name);
        }

        @Override
        public void notice(PgException notice) {
            notices.add(notice);
        }
    }

    static List<PgType> unknowns(int n) {
        return Collections.nCopies(n, PgType.UNKNOWN);
    }

    /** Prepares (all parameter types left to the handler), executes, and reads every row. */
    static List<List<Object>> rows(QuerySession session, String sql, Object... params) {
        try (PreparedQuery q = session.prepare(sql, unknowns(params.length))) {
            ExecutionResult r = q.execute(Arrays.asList(params));
            return readAll(assertInstanceOf(ExecutionResult.Rows.class, r));
        }
    }

    static List<List<Object>> readAll(ExecutionResult.Rows rows) {
        List<List<Object>> out = new ArrayList<>();
        try (var cursor = rows.cursor()) {
            while (cursor.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 0; i < cursor.columns().size(); i++) {
                    row.add(cursor.get(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    static Object single(QuerySession session, String sql, Object... params) {
        return rows(session, sql, params).get(0).get(0);
    }

    static List<Column> columns(QuerySession session, String sql) {
        try (PreparedQuery q = session.prepare(sql, List.of())) {
            return q.columns();
        }
    }

    /** Executes a statement without rows and returns its result. */
    static ExecutionResult.Command command(QuerySession session, String sql, Object... params) {
        try (PreparedQuery q = session.prepare(sql, unknowns(params.length))) {
            return assertInstanceOf(ExecutionResult.Command.class, q.execute(Arrays.asList(params)));
        }
    }

    /** Runs a statement that must fail, returning the error. */
    /** The first column of the first row of {@code sql} run on a DuckDB connection directly (no policy, no rewrites). */
    static String scalar(java.sql.Connection conn, String sql) {
        try (java.sql.Statement s = conn.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    static PgException failure(QuerySession session, String sql) {
        return assertThrows(PgException.class, () -> {
            try (PreparedQuery q = session.prepare(sql, List.of())) {
                ExecutionResult r = q.execute(List.of());
                if (r instanceof ExecutionResult.Rows rows) {
                    readAll(rows);
                }
            }
        });
    }
}
