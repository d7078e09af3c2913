package io.buenavista.core.clients;

import io.buenavista.core.duckdb.DuckDbHandler;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.ClientPrograms;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SQL cursors, SQL-level prepared statements and COPY TO STDOUT through real clients (psql, pgjdbc) against a real
 * DuckDB handler, with COPY's output compared with the real PostgreSQL's.
 */
class CursorsAndCopyClientsTest {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";
    static DuckDbHandler handler;
    static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        handler = new DuckDbHandler();
        server = ClientServers.start(handler);
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

    private static ClientProcess.Result psql(int port, String user, String... args) throws Exception {
        List<String> cmd = ClientProcess.command(ClientPrograms.path("psql"), "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-U", user, "-d", "test", "-X", "-w", "-q", "-A", "-t");
        cmd.addAll(List.of(args));
        return ClientProcess.run(cmd);
    }

    @Test
    void psqlFetchCountReadsASelectThroughACursor() throws Exception {
        // With FETCH_COUNT psql sends BEGIN; DECLARE _psql_cursor NO SCROLL CURSOR FOR …; FETCH FORWARD n …; CLOSE;
        // COMMIT, and stops with an error if any of them fails.
        ClientProcess.Result r = psql(server.port(), "tester", "-v", "FETCH_COUNT=1000", "-v", "ON_ERROR_STOP=1",
                "-c", "select x from range(2500) t(x) order by x");
        assertEquals(0, r.exitCode(), r.toString());
        String[] lines = r.stdout().split("\n");
        assertEquals(2500, lines.length);
        assertEquals("0", lines[0]);
        assertEquals("2499", lines[2499]);
        assertEquals("", r.stderr(), r.toString());
    }

    @Test
    void pgjdbcSimpleModeDeclareAndFetch() throws SQLException {
        try (Connection c = DriverManager.getConnection(ClientServers.jdbcUrl(server, "preferQueryMode=simple"));
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("DECLARE \"c\" CURSOR WITHOUT HOLD FOR select x, 'v' || x as v from range(5) t(x)");
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                try (ResultSet rs = s.executeQuery("FETCH FORWARD 2 FROM \"c\"")) {
                    while (rs.next()) {
                        seen.add(rs.getLong(1) + rs.getString(2));
                    }
                }
            }
            assertEquals(List.of("0v0", "1v1", "2v2", "3v3", "4v4"), seen);
            s.execute("CLOSE \"c\"");
            c.commit();
            SQLException e = assertThrows(SQLException.class, () -> s.execute("FETCH 1 FROM \"c\""));
            assertEquals("34000", e.getSQLState());
        }
    }

    @Test
    void pgjdbcExtendedModeDeclareAndFetch() throws SQLException {
        try (Connection c = DriverManager.getConnection(ClientServers.jdbcUrl(server, ""));
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("DECLARE c CURSOR FOR select x from range(3) t(x)");
            try (ResultSet rs = s.executeQuery("FETCH ALL FROM c")) {
                assertEquals("x", rs.getMetaData().getColumnName(1));
                assertTrue(rs.next());
                assertEquals(0, rs.getLong(1));
                assertTrue(rs.next());
                assertTrue(rs.next());
                assertFalse(rs.next());
            }
            c.commit();
        }
    }

    @Test
    void sqlPrepareExecuteDeallocate() throws SQLException {
        try (Connection c = DriverManager.getConnection(ClientServers.jdbcUrl(server, "preferQueryMode=simple"));
                Statement s = c.createStatement()) {
            s.execute("PREPARE q (integer, text) AS select $1::int + 1 as a, $2::text as b");
            try (ResultSet rs = s.executeQuery("EXECUTE q (41, 'it''s')")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
                assertEquals("it's", rs.getString(2));
            }
            try (ResultSet rs = s.executeQuery("EXECUTE q ('1'::int, NULL)")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1));
                assertEquals(null, rs.getString(2));
            }
            s.execute("create temp table bv_p (a int)");
            s.execute("PREPARE ins AS insert into bv_p values (1), (2)");
            assertEquals(2, s.executeUpdate("EXECUTE ins"));
            s.execute("DEALLOCATE ALL");
            SQLException e = assertThrows(SQLException.class, () -> s.execute("EXECUTE q (1, 'x')"));
            assertEquals("26000", e.getSQLState());
            e = assertThrows(SQLException.class, () -> s.execute("EXECUTE ins"));
            assertEquals("26000", e.getSQLState());
            s.execute("drop table bv_p");
        }
    }

    private static String copyOut(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            StringWriter w = new StringWriter();
            long n = c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, w);
            return n + ":" + w;
        }
    }

    @Test
    void copyToStdoutMatchesPostgres() throws Exception {
        String select = "select 1 as a, 'x,y' as b, NULL as c, 'tab\tand\\back' as d, '' as e, 'q\"q' as f, "
                + "'l1' || chr(10) || 'l2' as g, '\\.' as h, 2.5 as i";
        String[] options = {"", " WITH (FORMAT csv, HEADER)", " CSV", " CSV HEADER", " WITH (FORMAT text, HEADER)",
            " (DELIMITER '|')", " WITH CSV NULL 'nil'"};
        for (String o : options) {
            String sql = "COPY (" + select + ") TO STDOUT" + o;
            assertEquals(copyOut(PG_URL, sql), copyOut(ClientServers.jdbcUrl(server, ""), sql), sql);
        }
    }

    @Test
    void copyOfATableAndOfItsColumns() throws Exception {
        try (Connection c = DriverManager.getConnection(ClientServers.jdbcUrl(server, ""));
                Statement s = c.createStatement()) {
            s.execute("create table bv_copy (a int, b varchar)");
            try {
                s.execute("insert into bv_copy values (1, 'one'), (2, null)");
                StringWriter w = new StringWriter();
                PGConnection pg = c.unwrap(PGConnection.class);
                assertEquals(2, pg.getCopyAPI().copyOut("COPY bv_copy TO STDOUT", w));
                assertEquals("1\tone\n2\t\\N\n", w.toString());
                w = new StringWriter();
                assertEquals(2, pg.getCopyAPI().copyOut("COPY bv_copy (b) TO STDOUT (FORMAT csv, HEADER true)", w));
                assertEquals("b\none\n\n", w.toString());
                SQLException e = assertThrows(SQLException.class,
                        () -> pg.getCopyAPI().copyIn("COPY bv_copy FROM STDIN", new java.io.StringReader("")));
                assertEquals("0A000", e.getSQLState());
                e = assertThrows(SQLException.class, () -> s.execute("COPY bv_copy TO STDOUT (FORMAT binary)"));
                assertEquals("0A000", e.getSQLState());
            } finally {
                s.execute("drop table bv_copy");
            }
        }
    }
}
