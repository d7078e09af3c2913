package io.buenavista.core.server;

import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A COPY to or from a file or a program touches the server's files. A Buena Vista session is never a superuser, so
 * it gets what PostgreSQL answers a user without the pg_*_server_* roles: the same SQLSTATE, message and hint.
 */
class CopyServerFilesAgainstPostgresTest {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";
    private static final String ROLE = "bv_copy_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private static final List<String> STATEMENTS = List.of(
            "COPY (SELECT 1) TO '/tmp/buenavista-copy-test.csv'",
            "COPY (SELECT 1) TO PROGRAM 'true'",
            "copy pg_catalog.pg_am from '/etc/hostname'",
            "copy pg_catalog.pg_am from program 'cat /etc/hostname'");

    private static final TestHandler handler = new TestHandler();
    private static BuenaVistaServer server;

    @BeforeAll
    static void start() throws SQLException {
        try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + ROLE);
        }
        server = TestServers.start(handler);
    }

    @AfterAll
    static void stop() throws SQLException {
        server.close();
        try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
            s.execute("DROP ROLE IF EXISTS " + ROLE);
        }
    }

    private static ServerErrorMessage refusal(Connection c, String sql) {
        PSQLException e = assertThrows(PSQLException.class, () -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }, sql);
        return e.getServerErrorMessage();
    }

    @Test
    void copyWithTheServersFilesOrProgramsIsRefusedAsPostgresqlRefusesANonSuperuser() throws SQLException {
        try (Connection pg = DriverManager.getConnection(PG_URL);
                Connection bv = DriverManager.getConnection(TestServers.jdbcUrl(server, ""))) {
            try (Statement s = pg.createStatement()) {
                s.execute("SET ROLE " + ROLE);
            }
            for (String sql : STATEMENTS) {
                ServerErrorMessage expected = refusal(pg, sql);
                ServerErrorMessage actual = refusal(bv, sql);
                assertEquals("42501", actual.getSQLState(), sql);
                assertEquals(expected.getSQLState(), actual.getSQLState(), sql);
                assertEquals(expected.getMessage(), actual.getMessage(), sql);
                assertEquals(expected.getHint(), actual.getHint(), sql);
            }
        }
    }
}
