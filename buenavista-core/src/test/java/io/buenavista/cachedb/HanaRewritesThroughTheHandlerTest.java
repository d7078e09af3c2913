package io.buenavista.cachedb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.SessionContext;
import io.buenavista.core.jdbc.JdbcDialect;
import io.buenavista.core.jdbc.JdbcHandler;
import io.buenavista.core.server.BuenaVistaServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The HANA route's statement rewrite running in the JDBC handler for real, from a pgjdbc client to the shared
 * PostgreSQL (which stands in for HANA: the session statements and error codes are HANA's own and are unit-tested in
 * {@link HanaDialectTest}).
 */
class HanaRewritesThroughTheHandlerTest {
    private static final HanaDialect HANA = new HanaDialect();
    private static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        JdbcDialect rewriteOnly = new JdbcDialect() {
            @Override
            public String rewrite(String sql, SessionContext context) {
                return HANA.rewrite(sql, context);
            }
        };
        server = BuenaVistaServer.builder().port(0).discoverProviders(false)
                .handler(new JdbcHandler("jdbc", context -> DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable"), rewriteOnly, 100))
                .build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void applicationUserIsThePrincipalAndParametersStillBind() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                + "/test?user=o'brien&sslmode=disable");
                PreparedStatement ps = c.prepareStatement("SELECT session.application_user AS who, ?::int + 1 AS n,"
                        + " 'session.application_user' AS text_stays")) {
            ps.setInt(1, 41);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("o'brien", rs.getString("who"));
                assertEquals(42, rs.getInt("n"));
                assertEquals("session.application_user", rs.getString("text_stays"));
            }
        }
    }
}
