package io.buenavista.core.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Custom (dotted, "placeholder") settings on a DuckDB session against PostgreSQL 15: the same statements on both,
 * through pgjdbc in the simple and the extended protocol and through psql. SHOW, {@code current_setting},
 * {@code set_config}, RESET, SET LOCAL and the end of a transaction must agree with each other as they do in
 * PostgreSQL, and a setting never made must fail with PostgreSQL's error.
 */
class DuckDbCustomSettingsTest {
    private static final String PG_SCHEMA = "bv_custom_" + ProcessHandle.current().pid();

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, "CREATE TABLE t(i integer)",
            "CREATE TABLE t(i integer)");

    /** Statements in order; each one's rows (or its error's SQLSTATE and message) are compared. */
    private static final List<String> SCRIPT = List.of(
            "SHOW foo.baz",
            "SELECT current_setting('foo.baz')",
            "SELECT current_setting('foo.baz', true) IS NULL",
            "SELECT set_config('foo.baz', 'v', false)",
            "SHOW foo.baz",
            "SELECT current_setting('foo.baz')",
            "SET foo.bar = 'x'",
            "SHOW foo.bar",
            "SELECT current_setting('FOO.BAR'), current_setting('foo.bar', true)",
            "RESET foo.bar",
            "SHOW foo.bar",
            "SELECT current_setting('foo.bar')",
            "BEGIN",
            "SET LOCAL foo.q = 'l'",
            "SHOW foo.q",
            "SELECT current_setting('foo.q')",
            "ROLLBACK",
            "SHOW foo.q",
            "SELECT current_setting('foo.q')",
            "BEGIN",
            "SET foo.r = 'kept'",
            "SELECT set_config('foo.l', 'z', true)",
            "SHOW foo.l",
            "COMMIT",
            "SHOW foo.l",
            "SELECT current_setting('foo.r')",
            "BEGIN",
            "SET foo.r = 'undone'",
            "ROLLBACK",
            "SELECT current_setting('foo.r')",
            "SELECT set_config('foo.m', 'z', true)",
            "SHOW foo.m",
            "SELECT pg_catalog.set_config('foo.bar', NULL, false)",
            "SHOW foo.bar",
            "SELECT set_config(NULL, 'x', false)",
            "SELECT set_config('nosuch', 'x', false)",
            "SET a.b.c = 'two dots'",
            "SHOW a.b.c",
            "SELECT current_setting('a.b.c')",
            "SET \"a.b-c\" = 1",
            "SELECT set_config('.x', 'x', false)",
            "SELECT set_config('x.', 'x', false)",
            "SELECT set_config('', 'x', false)",
            "SELECT count(*) FROM pg_settings WHERE name LIKE 'foo.%'",
            "SELECT set_config('application_name', 'by set_config', false)",
            "SHOW application_name",
            "SELECT current_setting('application_name')");

    @Test
    void theSameAnswersAsPostgresInBothProtocols() throws Exception {
        for (String mode : List.of("simple", "extended")) {
            String pgUrl = PostgresTwin.PG_URL + "&preferQueryMode=" + mode;
            String duckUrl = twin.duckUrl() + "&preferQueryMode=" + mode;
            List<String> expected = run(pgUrl);
            assertTrue(expected.contains("SHOW foo.baz -> 42704 ERROR: unrecognized configuration parameter "
                    + "\"foo.baz\""), expected.toString()); // the oracle is what the script is about
            assertEquals(expected, run(duckUrl), mode);
        }
    }

    @Test
    void setConfigWithParametersAsPostgrestSendsIt() throws Exception {
        String sql = "select set_config(?, ?, ?)"; // $1, $2, $3 on the wire
        for (String url : List.of(PostgresTwin.PG_URL, twin.duckUrl())) {
            try (Connection c = DriverManager.getConnection(url + "&prepareThreshold=1")) {
                List<String> seen = new ArrayList<>();
                for (int i = 0; i < 3; i++) { // the third one runs a named server-side statement
                    try (PreparedStatement p = c.prepareStatement(sql)) {
                        p.setString(1, "request.jwt.claim");
                        p.setString(2, "sub-" + i);
                        p.setBoolean(3, false);
                        try (ResultSet rs = p.executeQuery()) {
                            rs.next();
                            seen.add(rs.getString(1));
                        }
                    }
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                            "select current_setting('request.jwt.claim')")) {
                        rs.next();
                        seen.add(rs.getString(1));
                    }
                }
                assertEquals(List.of("sub-0", "sub-0", "sub-1", "sub-1", "sub-2", "sub-2"), seen, url);
            }
        }
    }

    @Test
    void psqlSeesWhatPostgresShows() throws Exception {
        String[] commands = {"SHOW foo.baz", "SELECT set_config('foo.baz', 'v', false)", "SHOW foo.baz",
                "SET foo.bar = 'x'", "SELECT current_setting('foo.bar')", "SELECT current_setting('foo.none')"};
        Psql.Output pg = Psql.psql(5432, PG_SCHEMA, commands);
        Psql.Output duck = Psql.psql(twin.port(), null, commands);
        assertTrue(pg.stderr().contains("unrecognized configuration parameter \"foo.baz\""), pg.toString());
        assertEquals(pg.stdout(), duck.stdout());
        assertEquals(pg.stderr(), duck.stderr());
        assertEquals(pg.exitCode(), duck.exitCode());
    }

    /** Every statement of the script on one connection: its rows as text, or its error. */
    private static List<String> run(String url) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (String sql : SCRIPT) {
                StringBuilder line = new StringBuilder(sql).append(" ->");
                try {
                    if (s.execute(sql)) {
                        try (ResultSet rs = s.getResultSet()) {
                            int n = rs.getMetaData().getColumnCount();
                            while (rs.next()) {
                                for (int i = 1; i <= n; i++) {
                                    line.append(' ').append(rs.getString(i));
                                }
                            }
                        }
                    }
                } catch (SQLException e) {
                    line.append(' ').append(e.getSQLState()).append(' ').append(e.getMessage().lines().findFirst()
                            .orElse(""));
                }
                out.add(line.toString());
            }
        }
        return out;
    }
}
